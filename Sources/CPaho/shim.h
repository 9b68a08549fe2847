// Debian 12: libpaho-mqtt-dev 1.3.12 (Eclipse Paho C), the asynchronous client with TLS (paho-mqtt3as).
#include <MQTTAsync.h>
#include <MQTTProperties.h>

// The *_initializer macros are brace lists Swift does not import; these return the initialised structs.
static inline MQTTAsync_createOptions iomt_paho_create_options5(void) { MQTTAsync_createOptions o = MQTTAsync_createOptions_initializer5; return o; }
static inline MQTTAsync_connectOptions iomt_paho_connect_options5(void) { MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer5; return o; }
static inline MQTTAsync_SSLOptions iomt_paho_ssl_options(void) { MQTTAsync_SSLOptions o = MQTTAsync_SSLOptions_initializer; return o; }
static inline MQTTAsync_responseOptions iomt_paho_response_options(void) { MQTTAsync_responseOptions o = MQTTAsync_responseOptions_initializer; return o; }

// MQTTProperty's value is an anonymous union; these set the integer members by the property's width.
static inline int iomt_paho_add_integer_property(MQTTProperties *props, enum MQTTPropertyCodes code, unsigned int value) {
    MQTTProperty p;
    p.identifier = code;
    switch (MQTTProperty_getType(code)) {
    case MQTTPROPERTY_TYPE_BYTE: p.value.byte = (unsigned char)value; break;
    case MQTTPROPERTY_TYPE_TWO_BYTE_INTEGER: p.value.integer2 = (unsigned short)value; break;
    default: p.value.integer4 = value; break;
    }
    return MQTTProperties_add(props, &p);
}
