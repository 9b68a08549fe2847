// Debian 12: libmosquitto-dev 2.0.11 (Eclipse Mosquitto's client library; MQTT 5, TLS through OpenSSL).
#include <mosquitto.h>
#include <mqtt_protocol.h>
