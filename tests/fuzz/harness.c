/*
 * Helpers shared by the fuzz targets (see harness.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "b64url.h"
#include "harness.h"
#include "jwt.h"
#include "log.h"
#include "xmalloc.h"

static char fuzz_tmp[64];

void
fuzz_fail(const char *file, int line, const char *what)
{
	/* stderr is libFuzzer's; the report names the broken property. */
	fprintf(stderr, "\nFUZZ PROPERTY FAILED at %s:%d: %s\n", file, line,
	    what);
	abort();
}

void
fuzz_note(const char *file, int line, const char *what)
{
	fprintf(stderr, "\nFUZZ PROPERTY FAILED at %s:%d: %s\n", file, line,
	    what);
}

/* Log lines are formatted and dropped; a fatal one is shown. */
static void
fuzz_log(int level, const char *msg, void *ctx)
{
	if (level == LOG_LVL_FATAL)
		fprintf(stderr, "\nFUZZ: fatal() reached: %s\n", msg);
}

/*
 * fatal() ends in _exit(), which libFuzzer cannot see: the input would be
 * lost.  In a fuzzer, reaching fatal() from input is a finding (a remote
 * way to stop a process), so make it a crash that libFuzzer records.
 */
static void
fuzz_fatal(void)
{
	abort();
}

static void
fuzz_rmdir(void)
{
	DIR *d;
	struct dirent *e;
	char p[sizeof(fuzz_tmp) + 256];

	if (fuzz_tmp[0] == '\0' || (d = opendir(fuzz_tmp)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		(void)snprintf(p, sizeof(p), "%s/%s", fuzz_tmp, e->d_name);
		(void)unlink(p);
	}
	(void)closedir(d);
	(void)rmdir(fuzz_tmp);
}

void
fuzz_init(void)
{
	int fd;

	log_init("fuzz", LOG_LVL_DEBUG3, 1);
	log_set_handler(fuzz_log, NULL);
	log_set_fatal_cleanup(fuzz_fatal);
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1 ||
	    dup2(fd, STDOUT_FILENO) == -1)
		fuzz_fail(__FILE__, __LINE__, "cannot redirect stdout");
	(void)close(fd);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fuzz_fail(__FILE__, __LINE__, "signal");
}

const char *
fuzz_dir(void)
{
	const char *t;

	if (fuzz_tmp[0] != '\0')
		return fuzz_tmp;
	/* tmpfs if there is one: some targets write a file per input. */
	t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	(void)snprintf(fuzz_tmp, sizeof(fuzz_tmp), "%s/mcpd-fuzz.XXXXXX", t);
	if (mkdtemp(fuzz_tmp) == NULL)
		fuzz_fail(__FILE__, __LINE__, "mkdtemp");
	if (atexit(fuzz_rmdir) != 0)
		fuzz_fail(__FILE__, __LINE__, "atexit");
	return fuzz_tmp;
}

char *
fuzz_path(const char *name)
{
	char *p;

	xasprintf(&p, "%s/%s", fuzz_dir(), name);
	return p;
}

void
fuzz_write(const char *path, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1 || fchmod(fd, 0600) == -1)
		fuzz_fail(__FILE__, __LINE__, "cannot write a scratch file");
	while (len > 0) {
		if ((n = write(fd, b, len)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			fuzz_fail(__FILE__, __LINE__, "write");
		}
		b += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0)
		fuzz_fail(__FILE__, __LINE__, "close");
}

char *
fuzz_strndup(const uint8_t *buf, size_t len)
{
	char *s = xmalloc(len + 1);

	if (len > 0)
		memcpy(s, buf, len);
	s[len] = '\0';
	return s;
}

int
fuzz_utf8_valid(const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0, n, k;
	uint32_t cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

char *
fuzz_b64url(const uint8_t *in, size_t len)
{
	size_t outlen = B64URL_LEN(len) + 1;
	char *out = xmalloc(outlen);

	if (b64url_encode(in, len, out, outlen) != outlen - 1)
		fuzz_fail(__FILE__, __LINE__, "b64url_encode");
	return out;
}

/* A DER ECDSA signature as JWS wants it: r and s, 32 bytes each. */
static int
fuzz_es256_raw(const uint8_t *der, size_t derlen, uint8_t raw[64])
{
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;
	int ok;

	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		return -1;
	ECDSA_SIG_get0(es, &r, &s);
	ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32,
	    32) == 32;
	ECDSA_SIG_free(es);
	return ok ? 0 : -1;
}

char *
fuzz_jws_sign(EVP_PKEY *key, const char *alg, const uint8_t *hdr,
    size_t hdrlen, const uint8_t *payload, size_t paylen)
{
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	char *h = NULL, *p = NULL, *input = NULL, *sigb64 = NULL, *tok = NULL;
	uint8_t *sig = NULL, raw[64];
	size_t siglen = 0;
	int eddsa = strcmp(alg, "EdDSA") == 0;

	h = fuzz_b64url(hdr, hdrlen);
	p = fuzz_b64url(payload, paylen);
	xasprintf(&input, "%s.%s", h, p);
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mctx, &pctx, eddsa ? NULL : EVP_sha256(), NULL,
	    key) != 1)
		goto out;
	if (strcmp(alg, "PS256") == 0 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1))
		goto out;
	if (EVP_DigestSign(mctx, NULL, &siglen, (const uint8_t *)input,
	    strlen(input)) != 1)
		goto out;
	sig = xmalloc(siglen);
	if (EVP_DigestSign(mctx, sig, &siglen, (const uint8_t *)input,
	    strlen(input)) != 1)
		goto out;
	if (strcmp(alg, "ES256") == 0) {
		if (fuzz_es256_raw(sig, siglen, raw) != 0)
			goto out;
		sigb64 = fuzz_b64url(raw, sizeof(raw));
	} else
		sigb64 = fuzz_b64url(sig, siglen);
	xasprintf(&tok, "%s.%s", input, sigb64);
 out:
	ERR_clear_error();
	EVP_MD_CTX_free(mctx);
	free(h);
	free(p);
	free(input);
	free(sig);
	free(sigb64);
	return tok;
}

EVP_PKEY *
fuzz_keygen(const char *type)
{
	EVP_PKEY *k;

	if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else if (strcmp(type, "EC") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, type);
	FUZZ_ASSERT(k != NULL, "key generation");
	return k;
}

void
fuzz_write_key_cert(EVP_PKEY *key, const char *keypath, const char *certpath)
{
	X509 *x;
	X509_NAME *n;
	FILE *f;
	int fd;

	FUZZ_ASSERT((x = X509_new()) != NULL, "X509_new");
	FUZZ_ASSERT(X509_set_version(x, 2) == 1 &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -86400) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 100L * 365 * 86400) !=
	    NULL && X509_set_pubkey(x, key) == 1, "certificate fields");
	n = X509_get_subject_name(x);
	FUZZ_ASSERT(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0) == 1 &&
	    X509_set_issuer_name(x, n) == 1 &&
	    X509_sign(x, key, EVP_sha256()) > 0, "certificate signature");
	FUZZ_ASSERT((fd = open(keypath, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) != -1 && (f = fdopen(fd, "w")) != NULL &&
	    PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1 &&
	    fclose(f) == 0, "write the key");
	FUZZ_ASSERT((f = fopen(certpath, "w")) != NULL &&
	    PEM_write_X509(f, x) == 1 && fclose(f) == 0, "write the cert");
	X509_free(x);
}
