/* mcpctl(1) subcommands.  Each returns the process exit status. */
#ifndef MCPD_CTL_H
#define MCPD_CTL_H

int	ctl_key_main(int argc, char **argv);	/* argv[0] = "key" */
int	ctl_audit_main(int argc, char **argv);	/* argv[0] = "audit" */

#endif /* MCPD_CTL_H */
