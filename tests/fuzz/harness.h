/*
 * Helpers shared by the libFuzzer targets in tests/fuzz: quiet logging in
 * which fatal() aborts (so that libFuzzer saves the input that reached
 * it, instead of losing it to _exit), a private scratch directory for the
 * files the parsers under test insist on opening, and the checks with
 * which a target states what must hold after any input.
 */
#ifndef MCPD_FUZZ_HARNESS_H
#define MCPD_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

/*
 * The clock the targets that take one run at: 2026-01-01T00:00:00Z.  The
 * seed tokens are minted around it (mkseeds.c).
 */
#define FUZZ_NOW	((time_t)1767225600)

/* libFuzzer's entry points. */
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/*
 * Once, first thing: logging at full verbosity into nothing (so that
 * every message is formatted, and format bugs show), fatal() turned into
 * abort(), stdout sent to /dev/null (mcpctl code prints), SIGPIPE ignored.
 */
void	fuzz_init(void);
/* The process's scratch directory, made on first use, removed at exit. */
const char *fuzz_dir(void);
/* dir/name, malloc'd. */
char	*fuzz_path(const char *name);
/* Write a whole file, mode 0600, truncating it; abort on failure. */
void	fuzz_write(const char *path, const void *buf, size_t len);
/* A NUL-terminated copy of len bytes (which may hold NULs). */
char	*fuzz_strndup(const uint8_t *buf, size_t len);
/*
 * Abort, naming the property that failed, unless cond holds.  In the
 * coverage build (coverage.sh) a failed property is only reported, so
 * that one input that fails does not end the replay of the others.
 */
#ifdef FUZZ_COVERAGE
#define FUZZ_ASSERT(cond, what) \
	do { if (!(cond)) fuzz_note(__FILE__, __LINE__, (what)); } while (0)
#else
#define FUZZ_ASSERT(cond, what) \
	do { if (!(cond)) fuzz_fail(__FILE__, __LINE__, (what)); } while (0)
#endif
void	fuzz_fail(const char *file, int line, const char *what)
	    __attribute__((noreturn));
void	fuzz_note(const char *file, int line, const char *what);
/* Whether buf[0..len) is valid UTF-8 (RFC 3629: no surrogates). */
int	fuzz_utf8_valid(const char *buf, size_t len);

/*
 * A compact JWS (RFC 7515) over header and payload as given (raw bytes,
 * not necessarily JSON), signed with key under alg ("RS256", "PS256",
 * "ES256", "EdDSA").  Returns a malloc'd token, or NULL.
 */
char	*fuzz_jws_sign(EVP_PKEY *key, const char *alg, const uint8_t *hdr,
	    size_t hdrlen, const uint8_t *payload, size_t paylen);
/* base64url without padding of len bytes into a malloc'd string. */
char	*fuzz_b64url(const uint8_t *in, size_t len);

/* A new key: "RSA" (2048 bits), "EC" (P-256) or "ED25519"; abort on error. */
EVP_PKEY *fuzz_keygen(const char *type);
/*
 * Write key (PEM, mode 0600) and a self-signed certificate for it, valid
 * for a century, to the two paths; abort on error.
 */
void	fuzz_write_key_cert(EVP_PKEY *key, const char *keypath,
	    const char *certpath);

#endif /* MCPD_FUZZ_HARNESS_H */
