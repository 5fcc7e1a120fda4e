/*
 * mkseeds: writes the fuzzers' seed corpora and the key material some of
 * them load, under DIR (tests/fuzz when run by "make fuzz-corpus"):
 *
 *	DIR/data/jwks.json	public keys: "rs" RS256, "ps" PS256 (the
 *				same RSA key), "es" ES256, "ed" EdDSA
 *	DIR/data/ca.pem		a client CA; DIR/data/ca.crl its CRL
 *	DIR/corpus/<target>/	the seeds, named "seed-*"
 *
 * Every private key is made here and dropped at exit: what stays is
 * public keys, certificates, and tokens signed with keys no one has any
 * more (they expire in 2100, so the seeds keep reaching the code behind
 * a good signature).  Seeds of the same name are overwritten; other files
 * (minimised crashes kept as regression seeds) are left alone.
 *
 * The formats of the seeds are those the fuzz_<target>.c files describe.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "audit.h"
#include "config.h"
#include "ctl.h"
#include "harness.h"
#include "msg.h"
#include "proto.h"
#include "sbuf.h"
#include "toolcatalog.h"
#include "xmalloc.h"

#define EXP_FAR		4102444800LL	/* 2100-01-01 */
#define FUZZ_AUDIT_KEY	"mcpd-fuzz-audit-key-0123456789ab"

static const char *dir;
static int nseeds;

static const char *const KEY1 =
    "mcpk_fuzzkey1_ZnV6emZ1enpmdXp6ZnV6emZ1enpmdXp6ZnV6emZ1eno";
static const char *const KEY2 =
    "mcpk_fuzzkey2_YWRtaW5hZG1pbmFkbWluYWRtaW5hZG1pbmFkbWluYWQ";
static const char *const KEY3 =
    "mcpk_fuzzkey3_ZXhwaXJlZGV4cGlyZWRleHBpcmVkZXhwaXJlZGV4cGk";

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "mkseeds: %s\n", what);
	exit(1);
}

static void
mkdirs(const char *path)
{
	char *p = xstrdup(path), *s;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			die(p);
		*s = '/';
	}
	if (mkdir(p, 0755) == -1 && errno != EEXIST)
		die(p);
	free(p);
}

static void
put(const char *sub, const char *name, const void *buf, size_t len)
{
	char *d, *path;
	FILE *f;

	xasprintf(&d, "%s/%s", dir, sub);
	mkdirs(d);
	xasprintf(&path, "%s/%s", d, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    (len > 0 && fwrite(buf, 1, len, f) != len) || fclose(f) != 0)
		die(path);
	free(d);
	free(path);
}

static void
seed(const char *target, const char *name, const void *buf, size_t len)
{
	char *sub, *n;

	xasprintf(&sub, "corpus/%s", target);
	xasprintf(&n, "seed-%s", name);
	put(sub, n, buf, len);
	free(sub);
	free(n);
	nseeds++;
}

static void
seeds(const char *target, const char *name, const char *s)
{
	seed(target, name, s, strlen(s));
}

/* A seed whose first byte is a mode, then text. */
static void
seedm(const char *target, const char *name, uint8_t mode, const char *s)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL || evbuffer_add(b, &mode, 1) != 0 ||
	    evbuffer_add(b, s, strlen(s)) != 0)
		die("evbuffer");
	seed(target, name, evbuffer_pullup(b, -1), evbuffer_get_length(b));
	evbuffer_free(b);
}

static void
seedb(const char *target, const char *name, struct evbuffer *b)
{
	seed(target, name, evbuffer_pullup(b, -1), evbuffer_get_length(b));
}

/* ---- keys and certificates ---- */

static X509 *
mkcert(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer,
    EVP_PKEY *ikey, int ca, long serial, long from_days, long to_days)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	X509 *x;
	X509_NAME *n;

	if ((x = X509_new()) == NULL || X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400) ==
	    NULL || X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400) ==
	    NULL || X509_set_pubkey(x, key) != 1)
		die("certificate");
	n = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : n) != 1)
		die("certificate name");
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE")) == NULL ||
	    X509_add_ext(x, ext, -1) != 1)
		die("basicConstraints");
	X509_EXTENSION_free(ext);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage, ca ?
	    "critical,keyCertSign,cRLSign" :
	    "critical,digitalSignature")) == NULL ||
	    X509_add_ext(x, ext, -1) != 1)
		die("keyUsage");
	X509_EXTENSION_free(ext);
	if (!ca) {
		if ((ext = X509V3_EXT_conf_nid(NULL, &ctx,
		    NID_ext_key_usage, "clientAuth")) == NULL ||
		    X509_add_ext(x, ext, -1) != 1)
			die("extendedKeyUsage");
		X509_EXTENSION_free(ext);
	}
	if (san != NULL) {
		if ((ext = X509V3_EXT_conf_nid(NULL, &ctx,
		    NID_subject_alt_name, san)) == NULL ||
		    X509_add_ext(x, ext, -1) != 1)
			die("subjectAltName");
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()) <= 0)
		die("X509_sign");
	return x;
}

static size_t
der(X509 *x, uint8_t **out)
{
	int n;

	*out = NULL;
	if ((n = i2d_X509(x, out)) <= 0)
		die("i2d_X509");
	return (size_t)n;
}

static void
put_pem_cert(const char *name, X509 *x)
{
	char *path;
	FILE *f;

	xasprintf(&path, "%s/data/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || PEM_write_X509(f, x) != 1 ||
	    fclose(f) != 0)
		die(path);
	free(path);
}

static void
put_crl(X509 *ca, EVP_PKEY *cakey, long revoked_serial)
{
	X509_CRL *crl;
	X509_REVOKED *rev;
	ASN1_TIME *t;
	ASN1_INTEGER *sn;
	char *path;
	FILE *f;

	if ((crl = X509_CRL_new()) == NULL || X509_CRL_set_version(crl, 1) !=
	    1 || X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) !=
	    1 || (t = X509_gmtime_adj(NULL, -86400)) == NULL ||
	    X509_CRL_set1_lastUpdate(crl, t) != 1)
		die("CRL");
	ASN1_TIME_free(t);
	if ((t = X509_gmtime_adj(NULL, 36500L * 86400)) == NULL ||
	    X509_CRL_set1_nextUpdate(crl, t) != 1)
		die("CRL nextUpdate");
	ASN1_TIME_free(t);
	if ((rev = X509_REVOKED_new()) == NULL ||
	    (sn = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set(sn, revoked_serial) != 1 ||
	    X509_REVOKED_set_serialNumber(rev, sn) != 1 ||
	    (t = X509_gmtime_adj(NULL, -3600)) == NULL ||
	    X509_REVOKED_set_revocationDate(rev, t) != 1 ||
	    X509_CRL_add0_revoked(crl, rev) != 1)
		die("CRL entry");
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(t);
	if (X509_CRL_sort(crl) != 1 ||
	    X509_CRL_sign(crl, cakey, EVP_sha256()) <= 0)
		die("CRL sign");
	xasprintf(&path, "%s/data/ca.crl", dir);
	if ((f = fopen(path, "w")) == NULL ||
	    PEM_write_X509_CRL(f, crl) != 1 || fclose(f) != 0)
		die(path);
	free(path);
	X509_CRL_free(crl);
}

/* ---- JWTs ---- */

static EVP_PKEY *jk[4];
static const char *const jkid[4] = { "rs", "ps", "es", "ed" };
static const char *const jalg[4] = { "RS256", "PS256", "ES256", "EdDSA" };

static char *
token(int k, const char *claims)
{
	char hdr[128], *t;
	int n;

	n = snprintf(hdr, sizeof(hdr),
	    "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", jalg[k],
	    jkid[k]);
	if ((t = fuzz_jws_sign(jk[k], jalg[k], (const uint8_t *)hdr,
	    (size_t)n, (const uint8_t *)claims, strlen(claims))) == NULL)
		die("token");
	return t;
}

/* Claims for the monitor: issuer and audience of its configuration. */
static char *
claims(const char *sub, const char *extra, long long exp)
{
	char *c;

	xasprintf(&c, "{\"iss\":\"https://issuer.example\","
	    "\"aud\":\"https://mcp.example/mcp\",\"sub\":\"%s\","
	    "\"iat\":%lld,\"exp\":%lld%s%s}", sub, (long long)FUZZ_NOW, exp,
	    extra != NULL ? "," : "", extra != NULL ? extra : "");
	return c;
}

/* ---- privsep messages ---- */

static struct sbuf *sb;

static void
sb_reset(void)
{
	if (sb == NULL && (sb = sbuf_new(PMSG_MAX)) == NULL)
		die("sbuf_new");
	sbuf_reset(sb);
}

static void
u32(uint32_t v)
{
	if (sbuf_put_u32(sb, v) != SBUF_OK)
		die("sbuf");
}

static void
str(const char *s)
{
	if (sbuf_put_cstring(sb, s) != SBUF_OK)
		die("sbuf");
}

static void
bin(const void *p, size_t len)
{
	if (sbuf_put_string(sb, p, len) != SBUF_OK)
		die("sbuf");
}

/* The frame of sb as type into b. */
static void
frame(struct evbuffer *b, uint8_t type)
{
	if (pmsg_compose(b, type, sb) != PMSG_OK)
		die("pmsg_compose");
}

/* A monitor record: op, length, bytes. */
static void
rec(struct evbuffer *b, uint8_t op, struct evbuffer *bytes)
{
	size_t len = evbuffer_get_length(bytes);
	uint8_t h[3];

	if (len > 0xffff)
		die("record too long");
	h[0] = op;
	h[1] = (uint8_t)(len >> 8);
	h[2] = (uint8_t)len;
	if (evbuffer_add(b, h, 3) != 0 || evbuffer_add_buffer(b, bytes) != 0)
		die("evbuffer");
}

/* One privsep message as one record. */
static void
mrec(struct evbuffer *b, uint8_t op, uint8_t type)
{
	struct evbuffer *m = evbuffer_new();

	if (m == NULL)
		die("evbuffer_new");
	frame(m, type);
	rec(b, op, m);
	evbuffer_free(m);
}

static void
m_init(struct evbuffer *b)
{
	sb_reset();
	mrec(b, 0, PS_INIT_ANS);
}

static void
m_hello(struct evbuffer *b, uint32_t callid, uint32_t connid)
{
	sb_reset();
	u32(callid);
	u32(connid);
	str("{\"name\":\"fuzz\",\"version\":\"1\"}");
	str("2025-06-18");
	mrec(b, 0, PS_HELLO_REQ);
}

static void
m_list(struct evbuffer *b, uint32_t callid, uint32_t connid,
    const char *cred)
{
	sb_reset();
	u32(callid);
	u32(connid);
	str(cred);
	str("1");
	str("{\"name\":\"fuzz\"}");
	mrec(b, 0, PS_TOOLLIST_REQ);
}

static void
m_call(struct evbuffer *b, uint32_t callid, uint32_t connid,
    const char *cred, const char *tool, const char *args)
{
	char id[16];

	(void)snprintf(id, sizeof(id), "%u", callid);
	sb_reset();
	u32(callid);
	u32(connid);
	str(cred);
	str(id);
	str(tool);
	str(args);
	str("{\"name\":\"fuzz\"}");
	/* Over HTTP: odd calls in session 5, even ones 2026-07-28's. */
	u32(connid == 0 ? PS_SCOPE_STDIO : callid % 2 ? 5 : PS_SCOPE_CONN);
	str("");	/* schema_error */
	str("");	/* audit_args */
	mrec(b, 0, PS_TOOLCALL_REQ);
}

/* A notifications/cancelled of the request id of call callid. */
static void
m_cancel(struct evbuffer *b, uint32_t connid, uint32_t scope,
    const char *cred, uint32_t callid)
{
	char id[16];

	(void)snprintf(id, sizeof(id), "%u", callid);
	sb_reset();
	u32(connid);
	u32(scope);
	str(cred);
	str(id);
	mrec(b, 0, PS_CANCEL_REQ);
}

static void
m_u32(struct evbuffer *b, uint8_t op, uint8_t type, uint32_t v)
{
	sb_reset();
	u32(v);
	mrec(b, op, type);
}

static void
m_auth(struct evbuffer *b, uint32_t callid, uint32_t connid,
    const char *cred)
{
	sb_reset();
	u32(callid);
	u32(connid);
	str(cred);
	u32(0);
	mrec(b, 0, PS_AUTH_REQ);
}

static void
m_log(struct evbuffer *b, uint32_t level, const char *text)
{
	sb_reset();
	u32(level);
	str(text);
	mrec(b, 0, PS_LOG_REQ);
}

static void
m_cert(struct evbuffer *b, uint32_t connid, uint32_t verdict,
    uint8_t *const *ders, const size_t *lens, size_t n)
{
	size_t i;

	sb_reset();
	u32(connid);
	u32(verdict);
	u32((uint32_t)n);
	for (i = 0; i < n; i++)
		bin(ders[i], lens[i]);
	mrec(b, 0, PS_CERT_REQ);
}

static void
m_sign(struct evbuffer *b, uint8_t op, uint32_t sop, uint32_t nid,
    const uint8_t *in, size_t len)
{
	sb_reset();
	u32(sop);
	u32(nid);
	bin(in, len);
	mrec(b, op, PS_SIGN_REQ);
}

/* Workers answer (op 3 and flags), with text. */
static void
w_answer(struct evbuffer *b, uint8_t flags, const char *text)
{
	struct evbuffer *t = evbuffer_new();

	if (t == NULL || evbuffer_add(t, text, strlen(text)) != 0)
		die("evbuffer");
	rec(b, (uint8_t)(3 | flags), t);
	evbuffer_free(t);
}

static struct evbuffer *
mode_buf(uint8_t mode)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL || evbuffer_add(b, &mode, 1) != 0)
		die("evbuffer");
	return b;
}

/* An EMSA-PSS block for a 2048-bit modulus (RFC 8017 9.1.1), SHA-256. */
static void
pss_block(uint8_t em[256])
{
	uint8_t mhash[32], salt[32], mp[8 + 64], h[32], db[223], mask[224];
	uint8_t cnt[4];
	unsigned int hl;
	size_t i, off;
	EVP_MD_CTX *c;

	memset(mhash, 0x5a, sizeof(mhash));
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		die("RAND_bytes");
	memset(mp, 0, 8);
	memcpy(mp + 8, mhash, 32);
	memcpy(mp + 40, salt, 32);
	if (EVP_Digest(mp, 72, h, &hl, EVP_sha256(), NULL) != 1)
		die("EVP_Digest");
	/* DB = PS (190 zeros) || 0x01 || salt: 223 bytes. */
	memset(db, 0, sizeof(db));
	db[190] = 0x01;
	memcpy(db + 191, salt, 32);
	for (off = 0, i = 0; off < sizeof(db); i++, off += 32) {
		cnt[0] = (uint8_t)(i >> 24);
		cnt[1] = (uint8_t)(i >> 16);
		cnt[2] = (uint8_t)(i >> 8);
		cnt[3] = (uint8_t)i;
		if ((c = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
		    EVP_DigestUpdate(c, h, 32) != 1 ||
		    EVP_DigestUpdate(c, cnt, 4) != 1 ||
		    EVP_DigestFinal_ex(c, mask + off, &hl) != 1)
			die("MGF1");
		EVP_MD_CTX_free(c);
	}
	for (i = 0; i < sizeof(db); i++)
		em[i] = db[i] ^ mask[i];
	em[0] &= 0x7f;
	memcpy(em + 223, h, 32);
	em[255] = 0xbc;
}

/* ---- the targets' seeds ---- */

static uint8_t *cder[8];
static size_t clen[8];
#define C_EMAIL		0
#define C_URI		1
#define C_CN		2
#define C_REVOKED	3
#define C_EXPIRED	4
#define C_INTER		5	/* leaf under the intermediate */
#define C_INTERCA	6	/* the intermediate */
#define C_SELF		7	/* self-signed, unknown to the CA */

static void
seeds_monitor(char **tok)
{
	struct evbuffer *b;
	uint8_t digest[32], em[256], *chain[2];
	size_t chainlen[2];
	int i;

	memset(digest, 0x11, sizeof(digest));

	/* stdio: a session over every decision, workers answering. */
	b = mode_buf(0x20);
	m_init(b);
	m_hello(b, 1, 0);
	m_log(b, 3, "net says hello");
	m_list(b, 2, 0, KEY1);
	m_call(b, 3, 0, KEY1, "query", "{\"sql\":\"select 1\"}");
	m_call(b, 4, 0, KEY2, "drop_table", "{\"table\":\"users\"}");
	m_call(b, 5, 0, KEY3, "query", "{\"sql\":\"select 2\"}");
	m_call(b, 6, 0, "mcpk_nosuchid_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    "list_tables", "{}");
	m_call(b, 7, 0, KEY1, "no_such_tool", "{}");
	m_call(b, 8, 0, "", "list_tables", "{}");
	m_cancel(b, 0, PS_SCOPE_STDIO, KEY1, 99);
	m_cancel(b, 0, PS_SCOPE_STDIO, KEY2, 5);
	seedb("monitor", "stdio-session", b);
	evbuffer_free(b);

	/* stdio with MCPD_API_KEY, all tools listed, full arguments. */
	b = mode_buf(0x10 | 0x20 | 0x02 | 0x04);
	m_init(b);
	m_hello(b, 1, 0);
	m_list(b, 2, 0, "");
	m_call(b, 3, 0, "", "execute_sql", "{\"sql\":\"delete from t\"}");
	m_call(b, 4, 0, "", "describe_table", "{\"table\":\"x\"}");
	seedb("monitor", "stdio-envkey", b);
	evbuffer_free(b);

	/* stdio with tokens of every algorithm, one expired, one scoped. */
	b = mode_buf(0x20);
	m_init(b);
	m_hello(b, 1, 0);
	for (i = 0; i < 6; i++)
		m_call(b, (uint32_t)(2 + i), 0, tok[i], i == 4 ?
		    "execute_sql" : "query", "{\"sql\":\"select 1\"}");
	m_list(b, 9, 0, tok[4]);
	seedb("monitor", "stdio-tokens", b);
	evbuffer_free(b);

	/* stdio, workers answering by hand: error, parts, lies, a death. */
	b = mode_buf(0x00);
	m_init(b);
	m_hello(b, 1, 0);
	m_call(b, 2, 0, KEY1, "query", "{\"sql\":\"select 1\"}");
	w_answer(b, 0, "[{\"1\":1}]");
	m_call(b, 3, 0, KEY1, "query", "{\"sql\":\"select 1\"}");
	w_answer(b, 4 | 8, "no such table");
	m_call(b, 4, 0, KEY1, "list_tables", "{}");
	m_cancel(b, 0, PS_SCOPE_STDIO, KEY1, 4);
	m_call(b, 5, 0, KEY1, "list_tables", "{}");
	m_call(b, 6, 0, KEY1, "list_tables", "{}");
	m_call(b, 7, 0, KEY1, "list_tables", "{}");
	w_answer(b, 32, "");
	m_call(b, 8, 0, KEY1, "list_tables", "{}");
	w_answer(b, 16, "wrong id");
	seedb("monitor", "stdio-workers", b);
	evbuffer_free(b);

	/* stdio: a compromised worker sends what it likes. */
	b = mode_buf(0x00);
	m_init(b);
	m_hello(b, 1, 0);
	m_call(b, 2, 0, KEY1, "query", "{\"sql\":\"select 1\"}");
	{
		struct evbuffer *w = evbuffer_new();

		if (w == NULL)
			die("evbuffer_new");
		sb_reset();
		u32(3);
		str("worker log line");
		frame(w, PS_LOG_REQ);
		sb_reset();
		u32(2);
		u32(PS_F_FINAL);
		u32(0);
		str("[{\"1\":1}]");
		str("");	/* reason */
		frame(w, PS_EXEC_ANS);
		sb_reset();
		frame(w, PS_INIT_ANS);
		rec(b, 3 | 64, w);
		evbuffer_free(w);
	}
	m_call(b, 3, 0, KEY1, "query", "{\"sql\":\"select 1\"}");
	seedb("monitor", "stdio-worker-raw", b);
	evbuffer_free(b);

	/* stdio: rate limits, per identity and per source. */
	b = mode_buf(0x20);
	m_init(b);
	m_hello(b, 1, 0);
	for (i = 0; i < 24; i++)
		m_call(b, (uint32_t)(2 + i), 0, KEY1, "list_tables", "{}");
	for (i = 0; i < 8; i++)
		m_call(b, (uint32_t)(40 + i), 0, "bad-token", "list_tables",
		    "{}");
	seedb("monitor", "stdio-ratelimit", b);
	evbuffer_free(b);

	/* Violations, one per seed. */
	b = mode_buf(0);
	m_init(b);
	m_hello(b, 1, 0);
	m_hello(b, 2, 0);
	seedb("monitor", "stdio-second-hello", b);
	evbuffer_free(b);
	b = mode_buf(0);
	m_init(b);
	m_call(b, 2, 0, KEY1, "query", "{}");
	seedb("monitor", "stdio-call-before-hello", b);
	evbuffer_free(b);
	b = mode_buf(0);
	m_init(b);
	m_hello(b, 1, 0);
	m_call(b, 2, 7, KEY1, "query", "{}");
	seedb("monitor", "stdio-connid", b);
	evbuffer_free(b);
	b = mode_buf(0);
	m_init(b);
	m_hello(b, 1, 0);
	m_call(b, 2, 0, KEY1, "list_tables", "{}");
	m_call(b, 2, 0, KEY1, "list_tables", "{}");
	seedb("monitor", "stdio-callid-reuse", b);
	evbuffer_free(b);
	b = mode_buf(0);
	m_init(b);
	sb_reset();
	u32(1);
	mrec(b, 0, 99);
	seedb("monitor", "stdio-unknown-type", b);
	evbuffer_free(b);

	/* HTTP: connections, authentication, calls, close. */
	b = mode_buf(0x01 | 0x20);
	m_init(b);
	m_u32(b, 1 | 4, PS_CONN_REQ, 1);
	m_u32(b, 1, PS_CONN_REQ, 2);
	m_auth(b, 1, 1, KEY1);
	m_auth(b, 2, 1, "");
	m_auth(b, 3, 2, tok[0]);
	m_auth(b, 4, 2, "bad");
	m_hello(b, 5, 1);
	m_list(b, 6, 1, KEY1);
	m_call(b, 7, 1, KEY1, "query", "{\"sql\":\"select 1\"}");
	m_call(b, 8, 2, tok[1], "describe_table", "{\"table\":\"t\"}");
	m_call(b, 10, 1, KEY1, "query", "{\"sql\":\"select 2\"}");
	m_cancel(b, 1, 5, KEY2, 7);		/* another identity's */
	m_cancel(b, 1, 6, KEY1, 7);		/* another session's */
	m_cancel(b, 1, PS_SCOPE_CONN, KEY1, 10);	/* by closing only */
	m_cancel(b, 2, 5, KEY1, 7);		/* its own */
	m_u32(b, 0, PS_CONNCLOSE_REQ, 2);
	m_auth(b, 9, 2, KEY1);
	seedb("monitor", "http-session", b);
	evbuffer_free(b);

	/* HTTP with mTLS: chains the monitor accepts and refuses. */
	b = mode_buf(0x01 | 0x08 | 0x20);
	m_init(b);
	for (i = 0; i < 5; i++) {
		m_u32(b, 1 | 4, PS_CONN_REQ, (uint32_t)(1 + i));
		m_cert(b, (uint32_t)(1 + i), i == 4 ? 20 : 0, &cder[i],
		    &clen[i], 1);
		m_auth(b, (uint32_t)(10 + i), (uint32_t)(1 + i), "");
		m_call(b, (uint32_t)(20 + i), (uint32_t)(1 + i), KEY1,
		    "list_tables", "{}");
	}
	m_u32(b, 1 | 4, PS_CONN_REQ, 9);
	chain[0] = cder[C_INTER];
	chain[1] = cder[C_INTERCA];
	chainlen[0] = clen[C_INTER];
	chainlen[1] = clen[C_INTERCA];
	m_cert(b, 9, 0, chain, chainlen, 2);
	m_auth(b, 30, 9, "");
	m_u32(b, 1, PS_CONN_REQ, 10);
	m_cert(b, 10, 0, NULL, NULL, 0);
	m_cert(b, 10, 0, NULL, NULL, 0);
	seedb("monitor", "http-mtls", b);
	evbuffer_free(b);

	/* HTTP: the key channel, signing and refusing. */
	b = mode_buf(0x01);
	m_init(b);
	m_sign(b, 2, PS_SIGN_RSA_PKCS1, NID_sha256, digest, 32);
	pss_block(em);
	m_sign(b, 2, PS_SIGN_RSA_RAW, 0, em, sizeof(em));
	m_sign(b, 2, PS_SIGN_RSA_RAW, NID_sha256, em, sizeof(em));
	em[10] ^= 1;
	m_sign(b, 2, PS_SIGN_RSA_RAW, 0, em, sizeof(em));
	m_sign(b, 2, PS_SIGN_ECDSA, NID_sha256, digest, 32);
	m_sign(b, 2, 9, 0, digest, 0);
	seedb("monitor", "http-keychannel", b);
	evbuffer_free(b);

	/*
	 * HTTP: a net process that floods the key channel with signature
	 * requests, in one record, and never reads the answers (bit 6).
	 */
	b = mode_buf(0x41);
	m_init(b);
	{
		struct evbuffer *m = evbuffer_new();

		if (m == NULL)
			die("evbuffer_new");
		for (i = 0; i < 300; i++) {
			sb_reset();
			u32(PS_SIGN_RSA_PKCS1);
			u32(NID_sha256);
			bin(digest, 32);
			frame(m, PS_SIGN_REQ);
		}
		rec(b, 2, m);
		evbuffer_free(m);
	}
	seedb("monitor", "http-keyflood", b);
	evbuffer_free(b);

	/* HTTP violations: a connection without its socket, a stranger. */
	b = mode_buf(0x01);
	m_init(b);
	m_u32(b, 0, PS_CONN_REQ, 1);
	seedb("monitor", "http-conn-nofd", b);
	evbuffer_free(b);
	b = mode_buf(0x01);
	m_init(b);
	m_auth(b, 1, 5, KEY1);
	seedb("monitor", "http-unknown-conn", b);
	evbuffer_free(b);
}

static void
seeds_msg(void)
{
	struct evbuffer *b, *m;
	uint8_t digest[48], em[256], *chain[2];
	size_t chainlen[2];
	int i;

	memset(digest, 0x22, sizeof(digest));
	/* EC key, whole stream at once: signing requests. */
	for (i = 0; i < 2; i++) {
		b = mode_buf(i ? 0x04 : 0x00);
		if (evbuffer_add(b, "\xff", 1) != 0)
			die("evbuffer");
		m = evbuffer_new();
		sb_reset();
		u32(PS_SIGN_ECDSA);
		u32(NID_sha256);
		bin(digest, 32);
		frame(m, PS_SIGN_REQ);
		sb_reset();
		u32(PS_SIGN_RSA_PKCS1);
		u32(NID_sha384);
		bin(digest, 48);
		frame(m, PS_SIGN_REQ);
		pss_block(em);
		sb_reset();
		u32(PS_SIGN_RSA_RAW);
		u32(0);
		bin(em, sizeof(em));
		frame(m, PS_SIGN_REQ);
		evbuffer_add_buffer(b, m);
		seedb("msg", i ? "sign-rsa" : "sign-ec", b);
		evbuffer_free(b);
		evbuffer_free(m);
	}
	/* Client certificates, under each verifier, in small slices. */
	for (i = 0; i < 8; i++) {
		b = mode_buf((uint8_t)((i % 4) << 3));
		if (evbuffer_add(b, "\x3f", 1) != 0)
			die("evbuffer");
		m = evbuffer_new();
		sb_reset();
		u32(1);
		u32(0);
		if (i == C_INTER) {
			chain[0] = cder[C_INTER];
			chain[1] = cder[C_INTERCA];
			chainlen[0] = clen[C_INTER];
			chainlen[1] = clen[C_INTERCA];
			u32(2);
			bin(chain[0], chainlen[0]);
			bin(chain[1], chainlen[1]);
		} else {
			u32(1);
			bin(cder[i], clen[i]);
		}
		frame(m, PS_CERT_REQ);
		evbuffer_add_buffer(b, m);
		{
			char name[32];

			(void)snprintf(name, sizeof(name), "cert-%d", i);
			seedb("msg", name, b);
		}
		evbuffer_free(b);
		evbuffer_free(m);
	}
	/* Every request the net process makes, framed, one slice each. */
	b = mode_buf(0x02);
	if (evbuffer_add(b, "\x00", 1) != 0)
		die("evbuffer");
	m_hello(b, 1, 0);
	m_list(b, 2, 0, KEY1);
	m_call(b, 3, 0, KEY1, "query", "{\"sql\":\"select 1\"}");
	m_auth(b, 4, 1, "tok");
	m_log(b, 3, "log line");
	m_cancel(b, 0, PS_SCOPE_STDIO, KEY1, 3);
	/* mrec wrote records; the msg target wants bare frames. */
	{
		struct evbuffer *f = mode_buf(0x02);
		uint8_t hdr[3];

		if (evbuffer_add(f, "\x07", 1) != 0)
			die("evbuffer");
		(void)evbuffer_drain(b, 2);
		while (evbuffer_get_length(b) >= 3) {
			size_t n;

			(void)evbuffer_remove(b, hdr, 3);
			n = (size_t)hdr[1] << 8 | hdr[2];
			if (evbuffer_remove_buffer(b, f, n) != (int)n)
				die("evbuffer_remove_buffer");
		}
		seedb("msg", "requests", f);
		evbuffer_free(f);
	}
	evbuffer_free(b);
	/* Bad lengths: zero, and one over PMSG_MAX. */
	seed("msg", "len-zero", "\x00\x10\x00\x00\x00\x00\x02", 7);
	seed("msg", "len-over", "\x00\x10\x00\x80\x00\x01\x02", 7);
	/* A program of reads for the generic decoder. */
	seed("msg", "program",
	    "\x00\x00\x00\x00\x00\x1a\x30\x00\x00\x00\x00\x01"
	    "\x02\x00\x00\x00\x00\x00\x00\x00\x01\x03\x00\x00\x00\x01\x41\x06",
	    28);
}

static void
seeds_jwt(char **tok)
{
	static const char *const payloads[] = {
		"{\"iss\":\"https://issuer.example\",\"aud\":"
		    "\"https://mcp.example/mcp\",\"sub\":\"alice\","
		    "\"iat\":1767225540,\"exp\":1767229200}",
		"{\"iss\":\"https://issuer.example\",\"aud\":[\"x\","
		    "\"https://mcp.example/mcp\"],\"sub\":\"bob\","
		    "\"nbf\":1767225500,\"exp\":1767229200,\"roles\":"
		    "[\"admin\",\"viewer\"],\"scope\":\"db:read db:write\"}",
		"{\"iss\":\"https://issuer.example\",\"aud\":"
		    "\"https://mcp.example/mcp\",\"sub\":\"carol\","
		    "\"exp\":1767225500}",
		"{\"iss\":\"https://issuer.example\",\"aud\":"
		    "\"https://mcp.example/mcp\",\"sub\":\"dave\","
		    "\"exp\":1767229200.5,\"nbf\":1767229000,\"roles\":[]}",
		"{\"iss\":\"https://other.example\",\"aud\":"
		    "\"https://mcp.example/mcp\",\"sub\":\"eve\","
		    "\"exp\":1767229200}",
		"{\"iss\":\"https://issuer.example\",\"aud\":"
		    "\"https://mcp.example/mcp\",\"sub\":\"\\u0001x\","
		    "\"exp\":1767229200,\"roles\":\"admin\"}",
		"[1,2,3]",
	};
	static const char *const headers[] = {
		"{\"alg\":\"RS256\",\"kid\":\"rs\"}",
		"{\"alg\":\"none\",\"kid\":\"rs\"}",
		"{\"alg\":\"HS256\",\"kid\":\"rs\"}",
		"{\"alg\":\"ES256\",\"kid\":\"rs\"}",
		"{\"alg\":\"RS256\",\"kid\":\"rs\",\"crit\":[\"b64\"]}",
		"{\"alg\":\"EdDSA\",\"kid\":\"ed\",\"alg\":\"EdDSA\"}",
		"{\"alg\":\"PS256\",\"kid\":\"../etc\"}",
	};
	struct evbuffer *b;
	char name[32];
	size_t i, k;

	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++)
		for (k = 0; k < 4; k++) {
			if (i > 0 && k != (i % 4))
				continue;
			(void)snprintf(name, sizeof(name), "signed-%zu-%zu",
			    i, k);
			seedm("jwt", name, (uint8_t)(1 | (k << 2) |
			    (i == 1 ? 0x30 : 0)), payloads[i]);
		}
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		b = mode_buf((uint8_t)(2 | ((i % 4) << 2)));
		if (evbuffer_add(b, headers[i], strlen(headers[i])) != 0 ||
		    evbuffer_add(b, "", 1) != 0 ||
		    evbuffer_add(b, payloads[0], strlen(payloads[0])) != 0)
			die("evbuffer");
		(void)snprintf(name, sizeof(name), "header-%zu", i);
		seedb("jwt", name, b);
		evbuffer_free(b);
	}
	for (i = 0; i < 6; i++) {
		(void)snprintf(name, sizeof(name), "raw-%zu", i);
		seedm("jwt", name, 0, tok[i]);
	}
	seedm("jwt", "raw-jwe", 0, "a.b.c.d.e");
	seedm("jwt", "raw-b64", 0, "eyJhbGciOiJSUzI1NiJ9.e30.AAAA");
}

static void
seeds_jwks(void)
{
	static const char *const odd[] = {
		"{\"keys\":[]}",
		"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"alg\":\"RS256\","
		    "\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
		"{\"keys\":[{\"kty\":\"oct\",\"kid\":\"k1\",\"k\":\"AAAA\"}]}",
		"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"kid\":\"k1\","
		    "\"x\":\"AAAA\",\"y\":\"AAAA\"}]}",
		"{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"kid\":\"k1\","
		    "\"x\":\"AAAA\"}]}",
		"{\"keys\":{\"kty\":\"RSA\"}}",
		"[]",
	};
	EVP_PKEY *small;
	char *jwks, err[256], name[32];
	const char *kid1 = "k1", *alg1 = "RS256";
	size_t i;

	for (i = 0; i < 4; i++) {
		if (ctl_jwks_build(&jk[i], &jkid[i], &jalg[i], 1, &jwks, err,
		    sizeof(err)) != 0)
			die(err);
		(void)snprintf(name, sizeof(name), "one-%s", jkid[i]);
		seeds("jwks", name, jwks);
		free(jwks);
	}
	if (ctl_jwks_build(jk, jkid, jalg, 4, &jwks, err, sizeof(err)) != 0)
		die(err);
	seeds("jwks", "all", jwks);
	put("data", "jwks.json", jwks, strlen(jwks));
	free(jwks);
	/* A 1024-bit RSA key, which the monitor refuses. */
	if ((small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024)) ==
	    NULL)
		die("keygen");
	if (ctl_jwks_build(&small, &kid1, &alg1, 1, &jwks, err,
	    sizeof(err)) == 0) {
		seeds("jwks", "rsa1024", jwks);
		free(jwks);
	}
	EVP_PKEY_free(small);
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		(void)snprintf(name, sizeof(name), "odd-%zu", i);
		seeds("jwks", name, odd[i]);
	}
}

/* buf[0..len) with line i (0-based) removed or swapped with i + 1. */
static struct evbuffer *
log_edit(uint8_t mode, const char *log, size_t len, int what, int i)
{
	struct evbuffer *b = mode_buf(mode);
	const char *lines[16], *p = log, *e;
	size_t ll[16], n = 0, k;

	while (p < log + len && n < 16) {
		e = memchr(p, '\n', (size_t)(log + len - p));
		e = e != NULL ? e + 1 : log + len;
		lines[n] = p;
		ll[n++] = (size_t)(e - p);
		p = e;
	}
	for (k = 0; k < n; k++) {
		if (what == 1 && (int)k == i)
			continue;
		if (what == 2 && (int)k == i && k + 1 < n) {
			evbuffer_add(b, lines[k + 1], ll[k + 1]);
			evbuffer_add(b, lines[k], ll[k]);
			k++;
			continue;
		}
		evbuffer_add(b, lines[k], ll[k]);
	}
	return b;
}

static void
seeds_audit(void)
{
	struct audit *a;
	struct audit_rec r;
	struct evbuffer *b;
	char err[256], *path, *state, *log;
	char *roles[] = { "developer", "viewer" };
	size_t len;
	FILE *f;
	long sz;
	int i;

	xasprintf(&path, "%s/audit.tmp", dir);
	xasprintf(&state, "%s.keystate", path);
	(void)unlink(path);
	(void)unlink(state);
	if (audit_open(&a, path, (const uint8_t *)FUZZ_AUDIT_KEY,
	    strlen(FUZZ_AUDIT_KEY), AUDIT_SYNC_NONE, err, sizeof(err)) != 0)
		die(err);
	for (i = 0; i < 6; i++) {
		memset(&r, 0, sizeof(r));
		r.event = i == 0 ? "initialize" : "tools/call";
		r.decision = i == 1 ? AUDIT_DENIED : i == 2 ?
		    AUDIT_AUTH_FAILED : i == 3 ? AUDIT_RATE_LIMITED : i == 4 ?
		    AUDIT_ERROR : AUDIT_ALLOWED;
		r.user = i == 2 ? NULL : "dev@example.com";
		r.roles = roles;
		r.nroles = 2;
		r.method = "apikey";
		r.credential = "0123456789ab";
		r.tool = i == 0 ? NULL : "drop_table";
		r.required = i == 1 ? "admin" : NULL;
		r.reason = i == 1 ? "no role permits the tool" : "ok";
		r.source = "127.0.0.1:5555";
		r.client = "{\"name\":\"t\\u0000\\n\"}";
		r.request_id = "\"r-\\u2028\"";
		r.args_sha256 =
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
		r.args = i == 5 ? "{\"table\":\"users\"}" : NULL;
		r.duration_ms = i == 5 ? 12 : -1;
		if (audit_write(a, &r, err, sizeof(err)) != 0)
			die(err);
	}
	audit_close(a);
	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (sz = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
		die(path);
	len = (size_t)sz;
	log = xmalloc(len);
	if (fread(log, 1, len, f) != len)
		die(path);
	(void)fclose(f);
	/* The log and the key state that audit_open() keeps beside it. */
	(void)unlink(path);
	(void)unlink(state);
	free(path);
	free(state);

	b = log_edit(0, log, len, 0, 0);
	seedb("audit", "verify", b);
	evbuffer_free(b);
	b = log_edit(1, log, len, 0, 0);
	seedb("audit", "show", b);
	evbuffer_free(b);
	b = log_edit(2, log, len, 1, 0);
	seedb("audit", "continued", b);
	evbuffer_free(b);
	b = log_edit(0, log, len, 1, 3);
	seedb("audit", "removed", b);
	evbuffer_free(b);
	b = log_edit(0, log, len, 2, 2);
	seedb("audit", "swapped", b);
	evbuffer_free(b);
	b = log_edit(0, log, len - 1, 0, 0);
	seedb("audit", "partial", b);
	evbuffer_free(b);
	log[len / 2] ^= 0x01;
	b = log_edit(0, log, len, 0, 0);
	seedb("audit", "altered", b);
	evbuffer_free(b);
	free(log);
}

static void
seeds_schema(void)
{
	static const char *const inst[] = {
		"{\"sql\":\"select * from users\"}",
		"{\"table\":\"users\"}",
		"{\"userIds\":[1,2,3]}",
		"{}",
		"{\"sql\":1,\"extra\":true}",
		"[]",
	};
	static const char *const pairs[][2] = {
		{ "{\"type\":[\"string\",\"null\"],\"minLength\":2,"
		    "\"maxLength\":3}", "\"\\u00e9t\\ud83d\\ude00\"" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":"
		    "\"integer\",\"minimum\":1,\"maximum\":9},\"b\":{\"enum\":"
		    "[\"x\",2,null,{\"k\":[1]}]}},\"required\":[\"a\"],"
		    "\"additionalProperties\":false}",
		    "{\"a\":10,\"b\":{\"k\":[2]},\"c\":1}" },
		{ "{\"type\":\"array\",\"items\":{\"type\":\"number\","
		    "\"exclusiveMinimum\":0,\"exclusiveMaximum\":1.5},"
		    "\"minItems\":1,\"maxItems\":2}", "[0,1.5,1e308]" },
		{ "{\"additionalProperties\":{\"const\":\"v\"},\"title\":\"t\","
		    "\"description\":\"d\",\"default\":1,\"examples\":[1],"
		    "\"$comment\":\"c\",\"$schema\":"
		    "\"https://json-schema.org/draft/2020-12/schema\"}",
		    "{\"x\":\"v\",\"y\":\"w\"}" },
		{ "{\"type\":\"boolean\"}", "1.0" },
		{ "{\"items\":{\"items\":{\"items\":{\"type\":\"integer\"}}}}",
		    "[[[1,1.0,\"1\"]]]" },
		{ "{\"pattern\":\"^a\"}", "\"a\"" },
		{ "{\"type\":\"integer\",\"minimum\":9007199254740993}",
		    "9223372036854775807" },
	};
	struct evbuffer *b;
	char name[32];
	size_t i;

	for (i = 0; i < sizeof(inst) / sizeof(inst[0]); i++) {
		(void)snprintf(name, sizeof(name), "args-%zu", i);
		seeds("schema", name, inst[i]);
	}
	for (i = 0; i < toolcat_count(); i++) {
		if ((b = evbuffer_new()) == NULL ||
		    evbuffer_add(b, toolcat_get(i)->input_schema,
		    strlen(toolcat_get(i)->input_schema) + 1) != 0 ||
		    evbuffer_add(b, "{}", 2) != 0)
			die("evbuffer");
		(void)snprintf(name, sizeof(name), "catalog-%zu", i);
		seedb("schema", name, b);
		evbuffer_free(b);
	}
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if ((b = evbuffer_new()) == NULL ||
		    evbuffer_add(b, pairs[i][0], strlen(pairs[i][0]) + 1) !=
		    0 || evbuffer_add(b, pairs[i][1], strlen(pairs[i][1])) != 0)
			die("evbuffer");
		(void)snprintf(name, sizeof(name), "pair-%zu", i);
		seedb("schema", name, b);
		evbuffer_free(b);
	}
}

static void
seeds_config(void)
{
	seedm("config", "example", 0,
	    "# mcpd.conf\n"
	    "AuthMode apikey\n"
	    "AuthorizedKeysFile /etc/mcpd/authorized_keys\n"
	    "Role admin     tools=*\n"
	    "Role developer tools=query,list_tables,describe_table,"
	    "execute_sql,create_pr,list_prs\n"
	    "Role viewer    tools=list_tables,describe_table,query\n"
	    "User admin@example.com  roles=admin,developer,viewer\n"
	    "User dev@example.com    roles=developer,viewer\n"
	    "User viewer@example.com roles=viewer\n"
	    "RateLimit 100/min\n"
	    "AuditLog /var/log/mcpd/audit.log\n");
	seedm("config", "everything", 0,
	    "AuthMode mtls,oauth apikey\n"
	    "authorizedkeysfile = \"/etc/mcpd/authorized keys\"\n"
	    "JWKSFile /etc/mcpd/jwks.json\n"
	    "JWTIssuer https://issuer.example\n"
	    "JWTAudience https://mcp.example/mcp\n"
	    "JWTAlgorithms RS256,PS256,ES256,EdDSA\n"
	    "JWTRolesClaim realm_roles\n"
	    "JWTLeeway 30s\n"
	    "JWTScope db:write developer\n"
	    "ToolListing all\n"
	    "AuthFailureLimit 10/min\n"
	    "AuditKeyFile /etc/mcpd/audit.key\n"
	    "AuditSync batch\n"
	    "AuditArguments full\n"
	    "Listen 127.0.0.1:8080\n"
	    "Listen [::1]:8443\n"
	    "TLSCertificate /etc/mcpd/cert.pem\n"
	    "TLSKey /etc/mcpd/key.pem\n"
	    "TLSClientCA /etc/mcpd/ca.pem\n"
	    "TLSClientCRL /etc/mcpd/ca.crl\n"
	    "MTLSIdentity san-uri\n"
	    "AllowedOrigins https://app.example.com http://localhost:3000\n"
	    "ResourceURL https://mcp.example.com/mcp\n"
	    "AuthorizationServer https://auth.example.com\n"
	    "MaxConnections 512\n"
	    "MaxHeaderSize 16k\n"
	    "ClientTimeout 10s\n"
	    "IdleTimeout 1m\n"
	    "SessionTimeout 30m\n"
	    "PrivsepUser _mcpd\n"
	    "PrivsepChroot /var/lib/mcpd/empty\n"
	    "ToolUser _mcpdtool\n"
	    "Workers 4\n"
	    "ToolTimeout 30\n"
	    "Database /var/lib/mcpd/mcpd.db\n"
	    "MaxMessageSize 1m\n"
	    "QueryMaxRows 1000\n"
	    "QueryTimeout 500ms\n"
	    "WorkerMaxCalls 1000\n"
	    "WorkerIdleTimeout 0\n");
	seedm("config", "bad", 0, "AuthMode apikey,none\nNoSuchKeyword x\n");
	seedm("config", "options", 1,
	    "auth-mode=oauth\nAuditLog=/tmp/a.log\nRateLimit 5/min\n"
	    "Listen=:8080\nUser a roles=r\n");
}

static void
seeds_authkeys(void)
{
	static const char file[] =
	    "# comment\n\n"
	    "user=\"admin@example.com\" fuzzkey1 sha256:"
	    "8bf6999940a4972e35bf3f7c1e37d29ca0b4765f3f8a02f85835edfd5acfc843\n"
	    "roles=\"viewer,developer\",from=\"10.0.0.0/8,::1/128\" fuzzkey1 "
	    "sha256:"
	    "8bf6999940a4972e35bf3f7c1e37d29ca0b4765f3f8a02f85835edfd5acfc843\n";
	seedm("authkeys", "file", 0, file);
	seedm("authkeys", "file-expired", 0,
	    "expiry-time=\"202512312359\",from=\"127.0.0.1\" fuzzkey1 sha256:"
	    "8bf6999940a4972e35bf3f7c1e37d29ca0b4765f3f8a02f85835edfd5acfc843\n");
	seedm("authkeys", "lines", 1,
	    "user=\"a b\",roles=\"x\" abcdefgh sha256:"
	    "0000000000000000000000000000000000000000000000000000000000000000\n"
	    "user=\"q\\\"uote\" abcdefgh sha256:00\n"
	    "  from=\"2001:db8::/32,0.0.0.0/0\" 12345678 sha256:"
	    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n"
	    "expiry-time=\"20250230\" abcdefgh sha256:x\n");
	seedm("authkeys", "key", 2,
	    "mcpk_fuzzkey1_ZnV6emZ1enpmdXp6ZnV6emZ1enpmdXp6ZnV6emZ1eno");
	seedm("authkeys", "key-bad", 2,
	    "mcpk_FUZZKEY1_ZnV6emZ1enpmdXp6ZnV6emZ1enpmdXp6ZnV6emZ1en=");
	seedm("authkeys", "cidr", 3,
	    "127.0.0.0/8,::1,10.1.2.3/32,2001:db8::/33,0.0.0.0/0,::/0,"
	    "1.2.3.4/33,::ffff:127.0.0.1/104");
}

static void
seeds_mcp(void)
{
#define INIT(v) "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\"," \
	"\"params\":{\"protocolVersion\":\"" v "\",\"capabilities\":{}," \
	"\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}\n"
#define INITED "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
	seeds("mcp", "session",
	    INIT("2025-06-18") INITED
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"query\",\"arguments\":{\"sql\":\"select 1\"}}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"ping\"}\n");
	seeds("mcp", "answers",
	    INIT("2025-03-26") INITED
	    "#ans 2\n#req admin,developer\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"drop_table\",\"arguments\":{\"table\":\"t\"}}}\n"
	    "#ans 4\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"list_tables\",\"arguments\":{}}}\n"
	    "#ans 3\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}\n"
	    "#ans 5\n#part\n#text \xff\xfe not utf-8\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"list_tables\",\"arguments\":{}}}\n"
	    "#ans 0\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"list_tables\",\"arguments\":{}}}\n");
	seeds("mcp", "cancel",
	    INIT("2025-11-25") INITED "#hold\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"describe_table\",\"arguments\":{\"table\":\"t\"},"
	    "\"_meta\":{\"authorization\":\"Bearer mcpk_x\"}}}\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
	    "\"params\":{\"requestId\":7,\"reason\":\"r\"}}\n"
	    "#ans 0\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"delete_users\",\"arguments\":{\"userIds\":[1,\"2\"]}}}\n");
	seeds("mcp", "errors",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n"
	    "not json\n[]\n[{\"jsonrpc\":\"2.0\"}]\n42\n"
	    "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}\n"
	    "{\"jsonrpc\":\"2.0\",\"result\":{},\"id\":3}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
	    "\"params\":{\"protocolVersion\":\"1999-01-01\"}}\n"
	    "#big\n#fail\n" INIT("2025-06-18"));
	seeds("mcp", "http",
	    "#http 2025-06-18||||\n" INIT("2025-06-18") INITED
	    "#refuse\n#ans 3\n"
	    "#http 2025-06-18|||bearer-token\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n"
	    "#ans 7\n#req db:write\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"execute_sql\",\"arguments\":{\"sql\":\"x\"}}}\n"
	    "#http 2026-07-28|tools/call|query|tok\n"
	    "#ans 0\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"query\",\"arguments\":{\"sql\":\"select 1\"},"
	    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
	    "\"2026-07-28\"}}}\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"server/discover\","
	    "\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
	    "\"2026-07-28\"}}}\n"
	    "#http 2026-07-28|tools/list||tok\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":"
	    "{\"name\":\"query\",\"_meta\":{"
	    "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}\n"
	    "#s2\n#http 2099-01-01||||\n" INIT("2025-06-18"));
#undef INIT
#undef INITED
}

/* One HTTP/1.1 request into b; hdrs is "K: V\r\n..." */
static void
hreq(struct evbuffer *b, const char *method, const char *path,
    const char *hdrs, const char *body)
{
	if (evbuffer_add_printf(b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
	    "%s", method, path, hdrs) < 0 || (body != NULL &&
	    evbuffer_add_printf(b, "Content-Length: %zu\r\n", strlen(body)) <
	    0) || evbuffer_add_printf(b, "\r\n%s", body != NULL ? body : "") <
	    0)
		die("evbuffer_add_printf");
}

static void
seeds_http(void)
{
	static const char *const J =
	    "Content-Type: application/json\r\n"
	    "Accept: application/json, text/event-stream\r\n";
	static const char init[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":"
	    "\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
	    "\"capabilities\":{},\"clientInfo\":{\"name\":\"fuzz\"}}}";
	static const char list[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";
	static const char call[] = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"query\",\"arguments\":"
	    "{\"sql\":\"select 1\"}}}";
	static const char modern[] = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"query\",\"arguments\":"
	    "{\"sql\":\"denied\"},\"_meta\":{"
	    "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}";
	struct evbuffer *b;
	char h[512];

	/* A session: initialize, then requests on it from a new connection. */
	b = evbuffer_new();
	(void)snprintf(h, sizeof(h), "%sAuthorization: Bearer alice\r\n", J);
	hreq(b, "POST", "/mcp", h, init);
	evbuffer_add(b, "@@NEXT@@", 8);
	(void)snprintf(h, sizeof(h), "%sAuthorization: Bearer alice\r\n"
	    "Mcp-Session-Id: @SID\r\nMCP-Protocol-Version: 2025-06-18\r\n", J);
	hreq(b, "POST", "/mcp", h, "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"notifications/initialized\"}");
	hreq(b, "POST", "/mcp", h, list);
	hreq(b, "POST", "/mcp", h, call);
	(void)snprintf(h, sizeof(h), "%sAuthorization: Bearer mallory\r\n"
	    "Mcp-Session-Id: @SID\r\n", J);
	hreq(b, "POST", "/mcp", h, list);
	hreq(b, "DELETE", "/mcp", "Authorization: Bearer alice\r\n"
	    "Mcp-Session-Id: @SID\r\n", NULL);
	seedb("http", "session", b);
	evbuffer_free(b);

	/* Refusals: no credential, bad, rate-limited, internal error. */
	b = evbuffer_new();
	hreq(b, "POST", "/mcp", J, init);
	(void)snprintf(h, sizeof(h), "%sAuthorization: Bearer badtoken\r\n",
	    J);
	hreq(b, "POST", "/mcp", h, init);
	(void)snprintf(h, sizeof(h), "%sAuthorization: Bearer slowpoke\r\n",
	    J);
	hreq(b, "POST", "/mcp", h, init);
	(void)snprintf(h, sizeof(h), "%sAuthorization: Bearer oops\r\n", J);
	hreq(b, "POST", "/mcp", h, init);
	(void)snprintf(h, sizeof(h), "%sAuthorization: Basic YTpi\r\n", J);
	hreq(b, "POST", "/mcp", h, init);
	seedb("http", "refusals", b);
	evbuffer_free(b);

	/* Stateless 2026-07-28 with the MCP headers, right and wrong. */
	b = evbuffer_new();
	(void)snprintf(h, sizeof(h), "%sAuthorization: Bearer bob\r\n"
	    "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\n"
	    "Mcp-Name: query\r\n", J);
	hreq(b, "POST", "/mcp", h, modern);
	(void)snprintf(h, sizeof(h), "%sAuthorization: Bearer bob\r\n"
	    "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\r\n",
	    J);
	hreq(b, "POST", "/mcp", h, modern);
	(void)snprintf(h, sizeof(h), "%sAuthorization: Bearer bob\r\n"
	    "MCP-Protocol-Version: 2026-07-28\r\n", J);
	hreq(b, "POST", "/mcp", h, list);
	seedb("http", "stateless", b);
	evbuffer_free(b);

	/* Checks before authentication. */
	b = evbuffer_new();
	hreq(b, "GET", "/.well-known/oauth-protected-resource", "", NULL);
	hreq(b, "GET", "/.well-known/oauth-protected-resource/mcp", "", NULL);
	hreq(b, "POST", "/.well-known/oauth-protected-resource", J, "{}");
	hreq(b, "GET", "/mcp", "Accept: text/event-stream\r\n", NULL);
	hreq(b, "POST", "/mcp?access_token=abc", J, list);
	hreq(b, "POST", "/mcp", "Content-Type: text/plain\r\n", list);
	hreq(b, "POST", "/mcp", "Content-Type: application/json\r\n"
	    "Accept: text/html\r\n", list);
	hreq(b, "POST", "/mcp", "Content-Type: application/json\r\n"
	    "Origin: https://evil.example\r\n", list);
	hreq(b, "POST", "/mcp", "Content-Type: application/json\r\n"
	    "Origin: https://app.example.com\r\n"
	    "Authorization: Bearer a\r\nAuthorization: Bearer b\r\n", list);
	hreq(b, "POST", "/nope", J, list);
	hreq(b, "PUT", "/mcp", J, list);
	seedb("http", "checks", b);
	evbuffer_free(b);

	/* Framing: chunked, a foreign Host, an oversized declared body. */
	b = evbuffer_new();
	evbuffer_add_printf(b, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Type: application/json\r\nAuthorization: Bearer a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n4\r\n{}{}\r\n0\r\n\r\n");
	evbuffer_add_printf(b, "POST /mcp HTTP/1.1\r\nHost: evil.example\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
	evbuffer_add(b, "@@NEXT@@", 8);
	evbuffer_add_printf(b, "POST /mcp HTTP/1.1\r\nHost: [::1]:80\r\n"
	    "Content-Type: application/json\r\nContent-Length: 999999\r\n"
	    "\r\n{");
	evbuffer_add(b, "@@NEXT@@", 8);
	evbuffer_add_printf(b, "POST /mcp HTTP/1.0\r\nHost: localhost\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Authorization: Bearer  carol\r\nContent-Length: 5\r\n\r\n"
	    "[1,2]");
	seedb("http", "framing", b);
	evbuffer_free(b);
}

static void
usage(void)
{
	fprintf(stderr, "usage: mkseeds DIR\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	EVP_PKEY *cakey, *ikey, *lkey;
	X509 *ca, *inter, *leaf;
	char *tok[6], *c;
	int i;

	if (argc != 2)
		usage();
	dir = argv[1];
	mkdirs(dir);
	mkdirs(argv[1]);
	{
		char *d;

		xasprintf(&d, "%s/data", dir);
		mkdirs(d);
		free(d);
	}

	/* Client CA, an intermediate, and the leaves. */
	cakey = fuzz_keygen("EC");
	ikey = fuzz_keygen("EC");
	lkey = fuzz_keygen("EC");
	ca = mkcert(cakey, "mcpd fuzz CA", NULL, NULL, NULL, 1, 1, -1, 36500);
	inter = mkcert(ikey, "mcpd fuzz intermediate", NULL, ca, cakey, 1, 2,
	    -1, 36500);
	put_pem_cert("ca.pem", ca);
	put_crl(ca, cakey, 13);
	leaf = mkcert(lkey, "alice", "email:admin@example.com", ca, cakey, 0,
	    10, -1, 36500);
	clen[C_EMAIL] = der(leaf, &cder[C_EMAIL]);
	X509_free(leaf);
	leaf = mkcert(lkey, "bob", "URI:spiffe://example.com/dev", ca, cakey,
	    0, 11, -1, 36500);
	clen[C_URI] = der(leaf, &cder[C_URI]);
	X509_free(leaf);
	leaf = mkcert(lkey, "viewer@example.com", NULL, ca, cakey, 0, 12, -1,
	    36500);
	clen[C_CN] = der(leaf, &cder[C_CN]);
	X509_free(leaf);
	leaf = mkcert(lkey, "revoked", "email:dev@example.com", ca, cakey, 0,
	    13, -1, 36500);
	clen[C_REVOKED] = der(leaf, &cder[C_REVOKED]);
	X509_free(leaf);
	leaf = mkcert(lkey, "expired", "email:dev@example.com", ca, cakey, 0,
	    14, -30, -1);
	clen[C_EXPIRED] = der(leaf, &cder[C_EXPIRED]);
	X509_free(leaf);
	leaf = mkcert(lkey, "carol", "email:viewer@example.com", inter, ikey,
	    0, 15, -1, 36500);
	clen[C_INTER] = der(leaf, &cder[C_INTER]);
	X509_free(leaf);
	clen[C_INTERCA] = der(inter, &cder[C_INTERCA]);
	leaf = mkcert(lkey, "self", "email:admin@example.com", NULL, NULL, 0,
	    16, -1, 36500);
	clen[C_SELF] = der(leaf, &cder[C_SELF]);
	X509_free(leaf);
	X509_free(inter);
	X509_free(ca);

	/* JWT keys and the monitor's tokens. */
	jk[0] = jk[1] = fuzz_keygen("RSA");
	jk[2] = fuzz_keygen("EC");
	jk[3] = fuzz_keygen("ED25519");
	/* fuzz_monitor maps db:admin, db:write, db:read to the roles. */
	c = claims("admin@example.com", "\"scope\":\"db:admin db:read\"",
	    EXP_FAR);
	tok[0] = token(0, c);
	free(c);
	c = claims("dev@example.com", "\"roles\":[\"developer\",\"viewer\"],"
	    "\"scope\":\"db:read db:write\"", EXP_FAR);
	tok[1] = token(1, c);
	free(c);
	c = claims("viewer@example.com", "\"scope\":\"db:read\"", EXP_FAR);
	tok[2] = token(2, c);
	free(c);
	c = claims("admin@example.com", "\"roles\":[\"admin\"]", EXP_FAR);
	tok[3] = token(3, c);
	free(c);
	c = claims("dev@example.com", "\"scope\":\"db:read\"", EXP_FAR);
	tok[4] = token(2, c);
	free(c);
	c = claims("dev@example.com", NULL, (long long)FUZZ_NOW - 3600);
	tok[5] = token(3, c);
	free(c);

	seeds_jwks();
	seeds_monitor(tok);
	seeds_msg();
	seeds_jwt(tok);
	seeds_audit();
	seeds_schema();
	seeds_config();
	seeds_authkeys();
	seeds_mcp();
	seeds_http();
	for (i = 0; i < 6; i++)
		free(tok[i]);
	for (i = 0; i < 8; i++)
		OPENSSL_free(cder[i]);
	printf("mkseeds: %d seeds and the data files written under %s\n",
	    nseeds, dir);
	return 0;
}
