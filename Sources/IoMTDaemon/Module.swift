// IoMTDaemon: placeholder until its implementation lands.
