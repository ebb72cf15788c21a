// OpenSSL's libcrypto, for HMAC-SHA256 and SHA-256 (request signing, webhook signatures).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
