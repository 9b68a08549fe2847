// IoMTFHIR: placeholder until its implementation lands.
