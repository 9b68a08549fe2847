// IoMTAlerts: placeholder until its implementation lands.
