// A self-signed certificate for "localhost" (and 127.0.0.1), made with
// OpenSSL's API when a test starts and written into a temporary directory
// that goes away with it: no key is ever committed. Header-only, for the
// unit tests of src/tls and the integration tests alike.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace wirechat::test {

class TestCert {
public:
    // `common_name` tells two certificates apart (a reload test checks
    // which one the server presents); `names` is what it is good for.
    explicit TestCert(const std::string& common_name = "wirechat test",
                      const char* names = "DNS:localhost,IP:127.0.0.1") {
        char pattern[] = "/tmp/wirechat-cert-XXXXXX";
        if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
        dir = pattern;
        cert_file = dir + "/cert.pem";
        key_file = dir + "/key.pem";
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* cert = X509_new();
        if (!key || !cert) throw std::runtime_error("cannot make a test key");
        X509_set_version(cert, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
        X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
        X509_set_pubkey(cert, key);
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
        X509_set_issuer_name(cert, name);
        add_extension(cert, NID_subject_alt_name, names);
        add_extension(cert, NID_basic_constraints, "critical,CA:TRUE");
        if (X509_sign(cert, key, EVP_sha256()) == 0) throw std::runtime_error("cannot sign the test certificate");
        write(cert_file, [&](FILE* f) { return PEM_write_X509(f, cert); });
        write(key_file, [&](FILE* f) { return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr); });
        X509_free(cert);
        EVP_PKEY_free(key);
    }
    ~TestCert() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    TestCert(const TestCert&) = delete;
    TestCert& operator=(const TestCert&) = delete;

    std::string dir;
    std::string cert_file;
    std::string key_file;

private:
    static void add_extension(X509* cert, int nid, const char* value) {
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        if (!ext) throw std::runtime_error("cannot make a certificate extension");
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }
    template <typename WriteFn>
    static void write(const std::string& path, WriteFn fn) {
        FILE* f = std::fopen(path.c_str(), "w");
        if (!f || fn(f) != 1) throw std::runtime_error("cannot write " + path);
        std::fclose(f);
    }
};

}  // namespace wirechat::test
