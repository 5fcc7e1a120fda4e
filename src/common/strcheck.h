/*
 * Checks of strings that came from outside and will be logged, audited
 * or compared as names: one definition of "a control character" for the
 * checks and for the fuzz targets that assert them.
 */
#ifndef MCPD_STRCHECK_H
#define MCPD_STRCHECK_H

/* Whether s holds a C0 control character (0x01-0x1f) or DEL (0x7f). */
int	str_has_control(const char *s);

#endif /* MCPD_STRCHECK_H */
