// IoMTForward: placeholder until its implementation lands.
