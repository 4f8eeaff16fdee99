/* bench/sock_floor.c - the loopback floor: one kept-alive TCP connection,
 * a fixed request written with one send(), the answer read until its
 * Content-Length is complete. No HTTP library, no JSON: what the machine
 * and kernel cost per round trip.
 *
 * Usage: sock_floor PORT N [WARMUP]. Prints one result line (bench.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 8080, fd, one = 1;
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000, warm = argc > 3 ? strtoul(argv[3], NULL, 10) : 50, i;
	static const char body[] =
	        "{\"model\":\"" BENCH_MODEL "\",\"messages\":[{\"role\":\"user\",\"content\":\"" BENCH_PROMPT "\"}]}";
	char req[1024], rb[65536];
	double *lat = calloc(n ? n : 1, sizeof(double)), t0 = 0, c0 = 0, t;
	struct sockaddr_in a;
	int rl;

	rl = snprintf(req, sizeof(req),
	              "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n"
	              "Authorization: Bearer " BENCH_KEY
	              "\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
	              port, sizeof(body) - 1, body);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("sock_floor: connect");
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (i = 0; i < warm + n; i++) {
		size_t got = 0, need = 0;
		if (i == warm) {
			t0 = bench_now_us();
			c0 = bench_cpu_us();
		}
		t = bench_now_us();
		if (send(fd, req, (size_t)rl, 0) != rl)
			return 1;
		for (;;) {
			ssize_t r = recv(fd, rb + got, sizeof(rb) - got - 1, 0);
			char *he, *cl;
			if (r <= 0) {
				fprintf(stderr, "sock_floor: connection lost\n");
				return 1;
			}
			got += (size_t)r;
			rb[got] = '\0';
			if (!need && (he = strstr(rb, "\r\n\r\n")) && (cl = strstr(rb, "Content-Length: ")))
				need = (size_t)(he + 4 - rb) + strtoul(cl + 16, NULL, 10);
			if (need && got >= need)
				break;
		}
		if (i >= warm)
			lat[i - warm] = bench_now_us() - t;
	}
	bench_report("sock_floor", n, bench_now_us() - t0, bench_cpu_us() - c0, lat, n);
	close(fd);
	free(lat);
	return 0;
}
