/*
 * The TLS private key (TLSKey), held by the monitor alone.  The net
 * process asks for each private-key operation a handshake needs over the
 * key channel (PS_SIGN_REQ); the monitor performs only those, for the
 * kind of key it holds, and refuses everything else (key offloading, as
 * in OpenBSD relayd's ca.c).
 *
 * Library code: errors go into the caller's buffer; nothing logs or exits.
 */
#ifndef MCPD_TLSKEY_H
#define MCPD_TLSKEY_H

#include <stddef.h>
#include <stdint.h>

struct sbuf;
struct tlskey;

/* Caps on the files read (bytes). */
#define TLSKEY_FILE_MAX		(64 * 1024)
#define TLSCERT_FILE_MAX	(1024 * 1024)

/*
 * Load the private key at key_path (a secret file: checked as such, read
 * into locked memory and wiped after parsing) and check that it is the
 * key of the first certificate in cert_path, and that it is RSA of 2048
 * to 8192 bits or EC on P-256 or P-384.  Encrypted keys are refused (the
 * daemon has no one to ask for a passphrase).  NULL with a message in err
 * on failure.
 */
struct tlskey *tlskey_load(const char *key_path, const char *cert_path,
	    char *err, size_t errlen);
void	tlskey_free(struct tlskey *);
/* "RSA 2048", "EC P-256", "EC P-384": for the banner and the log. */
const char *tlskey_desc(const struct tlskey *);

/*
 * Decode one PS_SIGN_REQ payload from req and perform it if it is an
 * operation a handshake needs with this key:
 *
 *	PS_SIGN_RSA_PKCS1  RSA key; sha256/384/512, input the digest
 *	PS_SIGN_RSA_RAW    RSA key; input RSA-size bytes that are a
 *	                   well-formed EMSA-PSS block (tlskey_pss_check)
 *	                   under the hash given, or, with hash nid 0
 *	                   (NID_undef), under one of sha256/384/512: OpenSSL
 *	                   does not tell the net process which hash it used
 *	                   when it asks for the raw operation
 *	PS_SIGN_ECDSA      EC key; input a 32, 48 or 64-byte digest whose
 *	                   length matches the hash; DER signature out
 *
 * The PS_SIGN_ANS payload goes into ans (which must accept PS_SIG_MAX +
 * 8 bytes): status 0 and the signature, or status 1 and an empty string
 * when refused, with the reason in reason (empty on success).  Returns 0,
 * or -1 if req is malformed (the caller treats the net process as
 * compromised) or the answer could not be encoded.
 */
int	tlskey_dispatch(const struct tlskey *, struct sbuf *req,
	    struct sbuf *ans, char *reason, size_t reasonlen);

/*
 * Whether blk (blklen bytes, the size of an RSA modulus of modbits bits)
 * is a well-formed EMSA-PSS encoding (RFC 8017 9.1.1) under the hash
 * hash_nid (NID_sha256, NID_sha384 or NID_sha512), with MGF1 of that
 * hash and a salt as long as the hash, as TLS 1.2 and 1.3 use it: 0 if
 * so, else -1.  The message hash inside cannot be checked (only the
 * client knows the transcript); what this proves is that a raw RSA
 * operation on blk makes a PSS signature and nothing else, such as the
 * decryption of a ciphertext.
 */
int	tlskey_pss_check(const uint8_t *blk, size_t blklen,
	    unsigned int modbits, int hash_nid);

#endif /* MCPD_TLSKEY_H */
