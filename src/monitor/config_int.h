/*
 * What the files of the mcpd.conf(5) parser share, and nothing outside
 * them uses (the public interface is config.h): the context of the line
 * being read, the lexer (config_lex.c), the value parsers and setters
 * (config_values.c), the choices of the keywords and their dispatch
 * (config_keywords.c).
 */
#ifndef MCPD_CONFIG_INT_H
#define MCPD_CONFIG_INT_H

#include <stddef.h>

#include "config.h"

/* Words on one line; a line is at most CONFIG_LINE_MAX bytes anyway. */
#define CONFIG_ARGS_MAX		256
/* User ids (identities) and other free-form names. */
#define CONFIG_ID_MAX		512
/* A Listen value: "[v6addr%zone]:port" fits easily. */
#define CONFIG_LISTEN_MAX	256
/* An OAuth scope; WWW-Authenticate repeats it, so it is kept short. */
#define SCOPE_MAX		128

/* Where the line being parsed came from, for error messages. */
struct pctx {
	struct mcpd_config	*cfg;
	int			 src;
	const char		*where;
	int			 linenum;
	const char		*kw;	/* canonical keyword name */
	char			*err;
	size_t			 errlen;
};

/* One value of a keyword that takes a name from a list. */
struct choice {
	const char	*name;
	int		 value;
};

/*
 * What the checks need of an absolute http:// or https:// URL.  Only the
 * authority is taken apart; of the rest, only a query and a fragment are
 * noticed.
 */
struct url {
	int	https;
	char	host[CONFIG_LISTEN_MAX + 1];	/* without brackets */
	int	has_query;
	int	has_fragment;
};

/* config_lex.c: a line into words, and where a message says it was. */
/* "where line N: message" into p's error buffer. */
void	cfg_perr(struct pctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	cfg_is_blank(int c);
/*
 * Copy line into buf (CONFIG_LINE_MAX + 1 bytes) and split it into the
 * keyword and the rest in place.  Returns 1 with *kwp and *argsp set, 0
 * for a blank or comment line, -1 for a bad line (said through p).
 */
int	cfg_lex_line(struct pctx *p, const char *line, char *buf,
	    char **kwp, char **argsp);
/*
 * Split the argument string into words in place: at most
 * CONFIG_ARGS_MAX into av, their number into *acp.
 */
int	cfg_tokenize(struct pctx *p, char *s, char **av, int *acp);

/* config_values.c: the syntax of values, and the setters. */
int	cfg_valid_name(const char *s);
int	cfg_valid_id(const char *s);
int	cfg_valid_scope(const char *s);
int	cfg_valid_alg(const char *s);
int	cfg_host_is_loopback(const char *host);
int	cfg_parse_ull(const char *s, const char **endp,
	    unsigned long long *out);
int	cfg_parse_range(struct pctx *p, const char *s, long min, long max,
	    long *out);
int	cfg_parse_rate(struct pctx *p, const char *s, long *out);
int	cfg_parse_seconds(struct pctx *p, const char *s, long min, long max,
	    long *out);
int	cfg_parse_millis(struct pctx *p, const char *s, long min, long max,
	    long *out);
int	cfg_parse_size(struct pctx *p, const char *s, long min, long max,
	    long *out);
int	cfg_parse_choice(struct pctx *p, const char *s,
	    const struct choice *c, int *out);
int	cfg_valid_listen(const char *s);
int	cfg_url_parse(const char *s, struct url *u);
int	cfg_origin_normalize(const char *s, char *out, size_t outlen);
/* Whether a list of n entries is at CONFIG_LIST_MAX; says so if it is. */
int	cfg_list_full(struct pctx *p, size_t n);
int	cfg_list_add(struct pctx *p, char ***vp, size_t *np, const char *s);
int	cfg_split_list(struct pctx *p, char **words, int nwords,
	    int (*valid)(const char *), const char *what, char ***outp,
	    size_t *noutp);
int	cfg_set_string(struct pctx *p, char **field, const char *val,
	    int (*valid)(const char *));
void	cfg_set_long(long *field, long v);
void	cfg_set_int(int *field, int v);

/* config_keywords.c: the choices, and a keyword with its arguments. */
extern const struct choice cfg_toollisting_choices[];
extern const struct choice cfg_auditsync_choices[];
extern const struct choice cfg_auditargs_choices[];
extern const struct choice cfg_mtlsid_choices[];
extern const struct choice cfg_jwttype_choices[];
extern const struct choice cfg_yesno_choices[];
extern const struct choice cfg_authmethod_choices[];
/* Look keyword up, split args into words and store what they say. */
int	cfg_process(struct pctx *p, const char *keyword, char *args);

/* config_upstream.c: the Upstream keyword. */
extern const struct choice cfg_network_choices[];
/* NAME and prefix=: [A-Za-z0-9_-], 1 to UPSTREAM_NAME_MAX characters. */
int	cfg_valid_upstream_word(const char *s);
/* "Upstream NAME ..." with av[0] NAME, ac >= 1. */
int	cfg_parse_upstream(struct pctx *p, char **av, int ac);
void	cfg_upstream_free(struct cfg_upstream *u);

#endif /* MCPD_CONFIG_INT_H */
