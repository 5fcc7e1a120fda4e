/*
 * Between the audit writer (audit.c) and the building of a record's body
 * (audit_record.c), both in the monitor.
 */
#ifndef MCPD_AUDIT_INT_H
#define MCPD_AUDIT_INT_H

#include <stddef.h>

struct audit_rec;

/*
 * Whether rec can be written whole: 0 with *truncate set when its long
 * client-text fields must be cut to fit AUDIT_LINE_MAX, or -1 with err
 * when a field that is never cut is too long, or the roles too many.
 */
int	audit_record_fits(const struct audit_rec *rec, int *truncate,
	    char *err, size_t errlen);
/*
 * The record's body without its mac, fields in the order of doc/audit.md
 * section 2, prev the hash of the line before it: malloc'd, ending in
 * '}', or NULL with err.
 */
char	*audit_record_body(const struct audit_rec *rec, const char *ts,
	    long long seq, const char *prev, int truncate, char *err,
	    size_t errlen);

#endif /* MCPD_AUDIT_INT_H */
