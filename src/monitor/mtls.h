/*
 * mTLS in the monitor: the client certificate chain that the net process
 * forwards (PS_CERT_REQ) is verified again here, against TLSClientCA and
 * TLSClientCRL, and the identity is taken from it per MTLSIdentity.  The
 * net process's own verdict is never trusted.
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */
#ifndef MCPD_MTLS_H
#define MCPD_MTLS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct mtls_verifier;

/* Caps: each PEM file (bytes), the identity (bytes). */
#define MTLS_PEM_MAX		(1024 * 1024)
#define MTLS_IDENTITY_MAX	256
/* A certificate's SHA-256 thumbprint in unpadded base64url (RFC 8705). */
#define MTLS_X5T_LEN		43

/*
 * Read the CA certificates at ca_path and the CRLs at crl_path (NULL: no
 * revocation check); identity_kind is MTLS_ID_* (config.h).  With a CRL
 * file, the issuer of every client certificate must have a current CRL
 * in it.  NULL with a message in err on failure.
 */
struct mtls_verifier *mtls_new(const char *ca_path, const char *crl_path,
	    int identity_kind, char *err, size_t errlen);
void	mtls_free(struct mtls_verifier *);

/*
 * Verify the DER chain (n certificates, leaf first, the rest untrusted
 * intermediates) at time now against the CAs (and CRLs) for the purpose
 * sslclient.  On success 0, with *identity (malloc'd, free()) per the
 * identity kind (san-email: the first rfc822Name SAN; san-uri: the first
 * URI SAN; subject-cn: the subject's one CN), at most MTLS_IDENTITY_MAX
 * bytes and without control characters, and fp the first 12 hex digits
 * of the SHA-256 of the leaf's DER.  Else -1 with *identity NULL and the
 * reason, e.g.:
 *
 *	mtls: no client certificate
 *	mtls: bad DER
 *	mtls: certificate has expired
 *	mtls: certificate revoked
 *	mtls: unable to get local issuer certificate
 *	mtls: no identity (san-email) in certificate
 *	mtls: identity with a control character
 *	mtls: identity longer than 256 bytes
 *
 * (the others are "mtls: " and OpenSSL's X509_verify_cert_error_string).
 * fp is set whenever the leaf could be decoded, for the audit record.
 */
int	mtls_verify(const struct mtls_verifier *, const uint8_t *const *der,
	    const size_t *derlen, size_t n, time_t now, char **identity,
	    char fp[13], char *reason, size_t reasonlen);

/*
 * x5t#S256 of a DER certificate (RFC 8705 section 3.1): the unpadded
 * base64url of its SHA-256, for comparison with a token's cnf.  0, or -1
 * with x5t "".
 */
int	mtls_x5t(const uint8_t *der, size_t len,
	    char x5t[MTLS_X5T_LEN + 1]);

/*
 * The text of the CA file and of the CRL file (NULL and 0 when none), as
 * read once by mtls_new(), for the monitor to send to the net process.
 * Valid until mtls_free().  Returns 0.
 */
int	mtls_pem(const struct mtls_verifier *, const char **ca, size_t *calen,
	    const char **crl, size_t *crllen);

#endif /* MCPD_MTLS_H */
