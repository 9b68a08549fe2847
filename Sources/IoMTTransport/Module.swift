// IoMTTransport: placeholder until its implementation lands.
