// IoMTLab: placeholder until its implementation lands.
