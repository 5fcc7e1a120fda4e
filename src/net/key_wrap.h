/*
 * The key channel: the net process asks the monitor for each TLS
 * private-key operation (PS_SIGN_REQ / PS_SIGN_ANS, proto.h).  The net
 * side is synchronous, because OpenSSL wants the signature before its
 * callback returns.
 */
#ifndef MCPD_KEY_WRAP_H
#define MCPD_KEY_WRAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Send PS_SIGN_REQ on fd and wait for PS_SIGN_ANS: 0 with the signature
 * in sig (*siglen bytes, at most sigmax), -1 if the monitor refused.
 * Anything but PS_SIGN_ANS, a malformed answer, or a failure of the
 * channel is fatal (fatal_f).  fd must be a blocking descriptor that
 * carries nothing else.
 */
int	mm_key_sign(int fd, uint32_t op, int hash_nid, const uint8_t *in,
	    size_t inlen, uint8_t *sig, size_t *siglen, size_t sigmax);

/* A tls_sign_fn (tls.h) for mm_key_sign: ctx points to the int fd. */
int	mm_key_sign_cb(void *ctx, uint32_t op, int hash_nid,
	    const uint8_t *in, size_t inlen, uint8_t *sig, size_t *siglen,
	    size_t sigmax);

#if MCPD_TEST_HOOKS
/*
 * Test builds only: send signature requests on fd without ever reading
 * an answer (a compromised net process's flood), until the monitor cuts
 * the channel or kills the process; slow: one request every 2 ms, so
 * that the monitor never finds one waiting when it pauses.  Does not
 * return.
 */
void	mm_key_test_flood(int fd, int slow) __attribute__((noreturn));
#endif

#endif /* MCPD_KEY_WRAP_H */
