/*
 * docklab's stand-in for the hello-world image.
 *
 * Built without any C library (-nostdlib) so the static binary stays a few
 * kilobytes: the program only needs two system calls, write and exit, which
 * are issued directly.
 */
static const char message[] =
"\n"
"Hello from Docker!\n"
"(This is docklab's local stand-in for the official hello-world image.)\n"
"\n"
"If you can read this, your Docker setup works end to end:\n"
" 1. the docker command talked to the Docker daemon;\n"
" 2. the daemon found the \"hello-world\" image (here built locally by docklab,\n"
"    because no public registry is reachable from this machine);\n"
" 3. the daemon created a container from that image and started this program;\n"
" 4. the daemon streamed the program's output back to your terminal.\n"
"\n"
"Something more ambitious to try next:\n"
" $ docker run -it ubuntu bash\n"
"\n";

static long sys3(long n, long a, long b, long c)
{
    long ret;
#if defined(__x86_64__)
    __asm__ volatile ("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c)
                      : "rcx", "r11", "memory");
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile ("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    ret = x0;
#else
#error "unsupported architecture"
#endif
    return ret;
}

#if defined(__x86_64__)
#define SYS_WRITE 1
#define SYS_EXIT 60
#else
#define SYS_WRITE 64
#define SYS_EXIT 93
#endif

static const char version[] = "1.0\n";

static void put(const char *p, long left)
{
    while (left > 0) {
        long n = sys3(SYS_WRITE, 1, (long)p, left);
        if (n <= 0)
            sys3(SYS_EXIT, 1, 0, 0);
        p += n;
        left -= n;
    }
}

/* Called from the entry stub with the initial stack pointer, which points at
 * argc followed by the argv array. "--version" prints only the version, so
 * tooling can ask the image what it holds. */
__attribute__((used)) void cstart(long *sp)
{
    long argc = sp[0];
    const char *arg = argc > 1 ? (const char *)sp[2] : 0;
    const char *want = "--version";
    int is_version = arg != 0;
    for (int i = 0; is_version && (want[i] || arg[i]); i++)
        if (want[i] != arg[i])
            is_version = 0;
    if (is_version)
        put(version, sizeof(version) - 1);
    else
        put(message, sizeof(message) - 1);
    sys3(SYS_EXIT, 0, 0, 0);
    for (;;) {}
}

/* The kernel enters at _start with argc/argv on the stack; hand the stack
 * pointer to C code before anything touches it. */
#if defined(__x86_64__)
__asm__(".globl _start\n_start:\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call cstart\n");
#else
__asm__(".globl _start\n_start:\n  mov x0, sp\n  bl cstart\n");
#endif
