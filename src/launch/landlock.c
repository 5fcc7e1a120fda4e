/*
 * The Landlock rules of a stdio upstream (DESIGN.md section 11): the
 * upstream may read what any program needs to start and run, read its
 * read= paths, and read and write its write= paths; nothing else of the
 * file system, so that mcpd's configuration, keys, audit key and audit
 * log (and everything else on the machine) stay out of its reach whatever
 * their modes say.
 *
 * The system headers may be older than the kernel (Debian 12's know ABI
 * 2; this kernel speaks 7), so the access rights and the ruleset
 * attribute of later ABIs are defined here, with the numbers of the
 * kernel's uapi <linux/landlock.h>, and the attribute is passed at the
 * size of the ABI found.  Every access right that ABI has is handled, so
 * a right this code grants nowhere is denied everywhere.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/landlock.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "launch.h"
#include "log.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#define SYS_landlock_add_rule		445
#define SYS_landlock_restrict_self	446
#endif

/* ABI 1 and 2 (in every <linux/landlock.h> that has LANDLOCK_ACCESS_FS_REFER). */
#define LL_FS_ABI1	((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1)
/* ABI 3: truncate(2) and O_TRUNC. */
#define LL_FS_TRUNCATE		(1ULL << 14)
/* ABI 4: TCP bind and connect, a ruleset attribute of its own. */
#define LL_NET_BIND_TCP		(1ULL << 0)
#define LL_NET_CONNECT_TCP	(1ULL << 1)
/* ABI 5: ioctl(2) on a device file. */
#define LL_FS_IOCTL_DEV		(1ULL << 15)
/* ABI 6: scopes (abstract Unix sockets, signals). */
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)
#define LL_SCOPE_SIGNAL		(1ULL << 1)

/* The kernel's struct landlock_ruleset_attr as of ABI 6. */
struct ll_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};

/* Rights that apply to a file (the others only to a directory). */
#define LL_FILE_RIGHTS	(LANDLOCK_ACCESS_FS_EXECUTE | \
	LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
	LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

#define LL_READ		(LANDLOCK_ACCESS_FS_READ_FILE | \
	LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_READ_EXEC	(LL_READ | LANDLOCK_ACCESS_FS_EXECUTE)
/*
 * write=: read, write, create, remove and rename, but not execute (what
 * the upstream writes it cannot run as a program: a dropped binary stays
 * data), not device nodes (MAKE_CHAR, MAKE_BLOCK: needing CAP_MKNOD,
 * they would only serve an attack), and not ioctl on devices.
 */
#define LL_WRITE	(LL_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LL_FS_TRUNCATE | LANDLOCK_ACCESS_FS_REMOVE_DIR | \
	LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | \
	LANDLOCK_ACCESS_FS_REFER)
/* /dev/null: written to and opened with O_TRUNC ("> /dev/null"). */
#define LL_DEVNULL	(LANDLOCK_ACCESS_FS_READ_FILE | \
	LANDLOCK_ACCESS_FS_WRITE_FILE | LL_FS_TRUNCATE)

/*
 * What every upstream may read, and what it may execute, whatever its
 * configuration: what the dynamic loader, the C library and the usual
 * runtimes (node, python) open to start and to resolve names.  Nothing
 * here is a secret of mcpd's, and /etc is not granted as a whole, so
 * /etc/mcpd (configuration, keys, audit key), /etc/shadow and the
 * rest of /etc stay out.  A path this system lacks, or that the
 * upstream's user cannot reach, is skipped.
 */
static const struct ll_base {
	const char	*path;
	uint64_t	 access;
} ll_base[] = {
	/* Programs, libraries, interpreters and their modules, locales,
	 * time zones, the CA bundle of /usr/share/ca-certificates. */
	{ "/usr",		LL_READ_EXEC },
	/* The same on a merged-/usr system (links into /usr, which the
	 * rule follows); elsewhere the loader, libc and /bin/sh. */
	{ "/lib",		LL_READ_EXEC },
	{ "/lib64",		LL_READ_EXEC },
	{ "/bin",		LL_READ_EXEC },
	{ "/sbin",		LL_READ_EXEC },
	/* The dynamic loader's index of the libraries. */
	{ "/etc/ld.so.cache",	LL_READ },
	/* localtime(3). */
	{ "/etc/localtime",	LL_READ },
	/* The CA store, for an upstream that speaks TLS (network=host). */
	{ "/etc/ssl",		LL_READ },
	/*
	 * getpwuid(3) and getgrgid(3): runtimes look up their own user
	 * (node's os.userInfo(), python's getpass, ssh-like clients).
	 * Neither file holds a password hash; /etc/shadow stays out.
	 */
	{ "/etc/nsswitch.conf",	LL_READ },
	{ "/etc/passwd",	LL_READ },
	{ "/etc/group",		LL_READ },
	/* Name resolution, for network=host (none has no network). */
	{ "/etc/hosts",		LL_READ },
	{ "/etc/resolv.conf",	LL_READ },
	/* Output thrown away; randomness for runtimes that open it. */
	{ "/dev/null",		LL_DEVNULL },
	{ "/dev/urandom",	LL_READ },
	/*
	 * The process's own /proc directory (/proc/self resolves to
	 * /proc/PID, and the pid survives execve): runtimes read their
	 * maps, status, fds and exe.  No other process's, and nothing of
	 * /proc beyond.
	 */
	{ "/proc/self",		LL_READ },
};
#define LL_NBASE	(sizeof(ll_base) / sizeof(ll_base[0]))

/* Allow access (within handled) beneath path.  optional: skip ENOENT. */
static void
ll_allow(int ruleset, uint64_t handled, const char *path, uint64_t access,
    int optional)
{
	struct landlock_path_beneath_attr pb;
	struct stat st;
	int fd;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1) {
		/* Not on this system, or not for this user: nothing to grant. */
		if (optional && (errno == ENOENT || errno == EACCES)) {
			debug_f("%s: %s", path, strerror(errno));
			return;
		}
		fatal("Landlock: %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0)
		fatal("Landlock: %s: %s", path, strerror(errno));
	/* The kernel refuses directory rights on a file. */
	if (!S_ISDIR(st.st_mode))
		access &= LL_FILE_RIGHTS;
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = access & handled;
	pb.parent_fd = fd;
	if (pb.allowed_access != 0 && syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
		fatal("Landlock: rule for %s: %s", path, strerror(errno));
	(void)close(fd);
}

int
launch_landlock(char *const *rd, size_t nread, char *const *wr,
    size_t nwrite, const char *exe, int no_net)
{
	struct ll_ruleset_attr attr;
	size_t attr_size, i;
	long abi;
	int ruleset;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		/* Not built in, or disabled at boot (lsm=). */
		if (errno == ENOSYS || errno == EOPNOTSUPP)
			return 0;
		fatal("Landlock: ABI version: %s", strerror(errno));
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = LL_FS_ABI1;
	attr_size = sizeof(attr.handled_access_fs);
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	/*
	 * network=none: no TCP at all, on top of the empty network
	 * namespace.  network=host leaves TCP alone: Landlock can only
	 * allow ports one by one, and the upstream's are not known.
	 */
	if (abi >= 4) {
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
		if (no_net)
			attr.handled_access_net = LL_NET_BIND_TCP |
			    LL_NET_CONNECT_TCP;
	}
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	/*
	 * No signal to, and no abstract Unix socket of, a process outside
	 * this domain: in development, when the upstream keeps mcpd's uid,
	 * that is what keeps it from signalling mcpd.
	 */
	if (abi >= 6) {
		attr_size = sizeof(attr);
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
	}
	if ((ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    attr_size, 0)) == -1)
		fatal("Landlock: create_ruleset (ABI %ld): %s", abi,
		    strerror(errno));
	for (i = 0; i < LL_NBASE; i++)
		ll_allow(ruleset, attr.handled_access_fs, ll_base[i].path,
		    ll_base[i].access, 1);
	/* The upstream's program itself, wherever it is installed. */
	ll_allow(ruleset, attr.handled_access_fs, exe, LL_READ_EXEC, 0);
	for (i = 0; i < nread; i++)
		ll_allow(ruleset, attr.handled_access_fs, rd[i], LL_READ, 0);
	for (i = 0; i < nwrite; i++)
		ll_allow(ruleset, attr.handled_access_fs, wr[i], LL_WRITE, 0);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fatal_f("no_new_privs is not set");
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
		fatal("Landlock: restrict_self: %s", strerror(errno));
	(void)close(ruleset);
	return (int)abi;
}
