/* uname: struct utsname as Linux fills it for an x86-64 process. */
#include "gt.h"
#include <sys/utsname.h>

int main(void)
{
	struct utsname u;
	char host[256];

	CHECK(1, uname(&u) == 0);
	printf("sysname: %s\n", u.sysname);
	printf("machine: %s\n", u.machine);
	CHECK(2, strcmp(u.sysname, "Linux") == 0);
	CHECK(3, strcmp(u.machine, "x86_64") == 0);
	/* release looks like "6.1.0-..." : a digit, a dot. */
	CHECK(4, u.release[0] >= '1' && u.release[0] <= '9' && strchr(u.release, '.') != NULL);
	CHECK(5, strlen(u.version) > 0);
	CHECK(6, gethostname(host, sizeof host) == 0);
	CHECK(7, strcmp(host, u.nodename) == 0);
	printf("uname ok\n");
	return 0;
}
