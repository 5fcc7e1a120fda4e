/*
 * TLS for the HTTP transport, in the sandboxed net process (mcpd(8), HTTP
 * TRANSPORT).
 *
 * The net process never holds the TLS private key.  It gets the
 * certificate chain (and the client CAs and CRL) as PEM text from the
 * monitor, and builds an SSL_CTX whose private key is a proxy made from
 * the certificate's public key: every private-key operation a handshake
 * needs is handed to a sign callback, which asks the monitor over the key
 * channel (key offloading, as in OpenBSD relayd's ca.c).
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */
#ifndef MCPD_TLS_H
#define MCPD_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

/*
 * One private-key operation: op is PS_SIGN_* (proto.h), hash_nid the
 * digest's NID (NID_sha256 ...), in the digest or, for PS_SIGN_RSA_RAW,
 * the EMSA-PSS encoded block.  Returns 0 with the signature in sig (at
 * most sigmax bytes, its length in *siglen), or -1 when refused.
 */
typedef int (*tls_sign_fn)(void *ctx, uint32_t op, int hash_nid,
    const uint8_t *in, size_t inlen, uint8_t *sig, size_t *siglen,
    size_t sigmax);

struct tls_params {
	const char	*cert_pem;	/* leaf first, then its chain */
	size_t		 cert_pemlen;
	const char	*ca_pem;	/* client CAs; NULL: no client certs */
	size_t		 ca_pemlen;
	const char	*crl_pem;	/* CRLs of the client CAs; may be NULL */
	size_t		 crl_pemlen;
};

/*
 * Call once, before chroot and the seccomp filter: OpenSSL reads its
 * configuration file, loads its algorithms and seeds its random
 * generators here, so that none of that needs a file or a syscall the
 * sandbox forbids later.  Returns 0, or -1 with a message in err.
 */
int	tls_init_early(char *err, size_t errlen);

/*
 * A server SSL_CTX with mcpd's TLS policy, the certificate chain of p and
 * a proxy private key that calls sign(signctx, ...) for each signature.
 * With p->ca_pem set, client certificates are requested (not required)
 * and verified against those CAs (and p->crl_pem), but a failed
 * verification does not abort the handshake: its verdict is recorded for
 * tls_peer_chain() and the monitor decides.  signctx must outlive the
 * SSL_CTX and every SSL made from it.  Returns NULL with a message in err.
 */
SSL_CTX	*tls_ctx_new(const struct tls_params *p, tls_sign_fn sign,
	    void *signctx, char *err, size_t errlen);

/*
 * After the handshake: the client's certificate chain as DER, leaf first,
 * at most PS_CHAIN_MAX certificates of at most PS_CERT_MAX bytes each, and
 * the handshake's verdict: X509_V_OK, the first X509_V_ERR_* code the
 * verification met, or X509_V_ERR_APPLICATION_VERIFICATION when the
 * client sent no certificate (then *n == 0 and *der NULL).  Certificates
 * past PS_CHAIN_MAX are left out.  Returns 0, or -1 when out of memory or
 * when the leaf is larger than PS_CERT_MAX (drop the connection).  Free
 * the arrays with tls_chain_free().
 */
int	tls_peer_chain(SSL *ssl, uint8_t ***der, size_t **derlen, size_t *n,
	    long *verdict);
void	tls_chain_free(uint8_t **der, size_t *derlen, size_t n);

#endif /* MCPD_TLS_H */
