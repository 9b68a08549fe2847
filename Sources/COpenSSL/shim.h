// OpenSSL's libssl for the lab's DOM receiver only (a test peer); iomtd itself does TLS through libcurl.
#include <openssl/ssl.h>
#include <openssl/err.h>
// SSL_CTX_set_min_proto_version is a macro over SSL_CTX_ctrl, which Swift does not import.
static inline int iomt_ssl_ctx_require_tls12(SSL_CTX *ctx) { return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION); }
