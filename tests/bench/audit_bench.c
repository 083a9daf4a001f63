/*
 * audit_bench.c - the cost of protected answers: a synthetic person-level
 * file, then 10, 100 and 1000 random aggregate queries (counts, sums and
 * means of a 0/1 and a numeric column, random `by` of one or two columns,
 * random `where` on up to two columns), each registered and answered on
 * its own, as a script that uses every aggregate at once would.  Prints,
 * per query count, the median over RUNS of the passes over the file
 * (atoms) and of the answering (cells, rules and the auditor), and how
 * many cells were released and withheld.
 *
 * Two shapes: "coarse" (about 1200 combinations of the grouping columns,
 * groups of dozens of people, as in the pilots) and "fine" (about 14400
 * combinations on 20000 rows: groups of one or two people, where the
 * auditor has the most to do and, past its budget, refuses).
 *
 *   audit_bench [ROWS] [RUNS] [coarse|fine]   (100000, 3, both)
 *
 * Not a test; tests/bench/protect.sh runs it.  Runs outside the sandbox:
 * the engine is the same code, without the jail around it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "protect.h"
#include "query.h"
#include "sdc.h"

static char c0[] = "id", c1[] = "wijk", c2[] = "age_group", c3[] = "gender",
	    c4[] = "household", c5[] = "decile", c6[] = "youth_care",
	    c7[] = "amount";
static char *cols[] = { c0, c1, c2, c3, c4, c5, c6, c7 };
#define NCOLS 8

static uint64_t rng = 12345;

static uint32_t
rnd(uint32_t n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)((rng >> 33) % n);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Values per grouping column (wijk, age_group, gender, household,
 * decile) of the shape. */
static unsigned card[6] = { 0, 20, 6, 3, 4, 10 };

static int
make_file(unsigned rows)
{
	char path[] = "/tmp/pt-audit-bench-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	unsigned i;

	if (fd < 0) {
		perror("mkstemp");
		exit(70);
	}
	unlink(path);
	f = fdopen(dup(fd), "w");
	fprintf(f, "id,wijk,age_group,gender,household,decile,youth_care,"
		   "amount\n");
	for (i = 0; i < rows; i++)
		fprintf(f, "%u,w%02u,a%u,%c,h%u,%u,%u,%u\n", i, rnd(20), rnd(6),
			"FMX"[rnd(100) < 49   ? 0
			      : rnd(100) < 98 ? 1
					      : 2],
			rnd(4), 1 + rnd(10), rnd(100) < 8, rnd(5000));
	fclose(f);
	return fd;
}

/* Values of the categorical columns 1..5, for filters. */
static void
random_filter(struct filter *f, struct fval *vals, char bufs[][16])
{
	size_t col = 1 + rnd(5), i, n = 1 + rnd(3);

	f->col = col;
	f->vals = vals;
	f->nvals = n;
	for (i = 0; i < n; i++) {
		unsigned v = rnd(card[col]);

		switch (col) {
		case 1:
			snprintf(bufs[i], 16, "w%02u", v);
			break;
		case 2:
			snprintf(bufs[i], 16, "a%u", v);
			break;
		case 3:
			snprintf(bufs[i], 16, "%c", "FMX"[v]);
			break;
		case 4:
			snprintf(bufs[i], 16, "h%u", v);
			break;
		default:
			snprintf(bufs[i], 16, "%u", 1 + v);
			break;
		}
		vals[i].s = bufs[i];
		vals[i].len = strlen(bufs[i]);
		vals[i].isnum = false;
	}
}

struct result {
	double pass_ms, answer_ms;
	uint64_t released, withheld;
	uint64_t why[SDC_NREASONS];
};

static struct result
run(int fd, unsigned nq)
{
	struct sdc_params p = {
		10, 5, 2, 85, 10, SDC_ACT_REVIEW, SDC_ACT_REVIEW, SDC_ACT_REVIEW
	};
	struct engine *e = engine_new(fd, "people", NCOLS, cols, &p,
				      2305843009213693951ull, false);
	struct result res;
	unsigned q;

	memset(&res, 0, sizeof(res));
	for (q = 0; q < nq; q++) {
		struct query qu;
		struct fval vals[2][3];
		char bufs[2][3][16];
		struct answer a;
		struct sbuf msg = SBUF_INIT;
		bool memory;
		size_t id, i, r;
		double t0, t1, t2;

		memset(&qu, 0, sizeof(qu));
		qu.stat = (enum sdc_stat)rnd(3);
		if (qu.stat != SDC_COUNT) {
			qu.has_value = true;
			qu.value_col = rnd(2) ? 6 : 7;
		}
		qu.nby = rnd(3);
		for (i = 0; i < qu.nby; i++) {
			qu.by[i] = 1 + rnd(5);
			if (i == 1 && qu.by[1] == qu.by[0])
				qu.nby = 1;
		}
		qu.nwhere = rnd(3);
		for (i = 0; i < qu.nwhere; i++)
			random_filter(&qu.where[i], vals[i], bufs[i]);
		if (qu.nwhere == 2 && qu.where[1].col == qu.where[0].col)
			qu.nwhere = 1;
		t0 = now_ms();
		id = engine_register(e, &qu);
		if (engine_refresh(e, &msg, &memory) < 0) {
			fprintf(stderr, "audit_bench: %s\n", msg.buf);
			exit(70);
		}
		t1 = now_ms();
		engine_answer(e, id, &a);
		t2 = now_ms();
		res.pass_ms += t1 - t0;
		res.answer_ms += t2 - t1;
		res.released += a.ncells;
		for (r = 0; r < SDC_NREASONS; r++) {
			res.withheld += a.withheld[r];
			res.why[r] += a.withheld[r];
		}
		answer_fini(&a);
		sbuf_free(&msg);
	}
	/* The engine is not freed: the sandbox never frees it either. */
	return res;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
bench(unsigned rows, int runs, const char *shape)
{
	static const unsigned counts[] = { 10, 100, 1000 };
	const char *only = getenv("AUDIT_BENCH_ONLY");
	int fd, i, k;

	if (strcmp(shape, "coarse") == 0) {
		static const unsigned c[] = { 0, 10, 4, 2, 3, 5 };

		memcpy(card, c, sizeof(card));
	} else {
		static const unsigned c[] = { 0, 20, 6, 3, 4, 10 };

		memcpy(card, c, sizeof(card));
	}
	rng = 777;
	fd = make_file(rows);
	printf("shape %s: %u rows, %u combinations; median of %d runs\n", shape,
	       rows, card[1] * card[2] * card[3] * card[4] * card[5], runs);
	printf("%8s %12s %14s %10s %10s\n", "queries", "passes_ms",
	       "answering_ms", "released", "withheld");
	for (k = 0; k < 3; k++) {
		double pass[32], ans[32];
		struct result r;
		size_t w;

		if (only != NULL && (unsigned)atoi(only) != counts[k])
			continue;
		for (i = 0; i < runs && i < 32; i++) {
			rng = 12345 + (uint64_t)k;
			r = run(fd, counts[k]);
			pass[i] = r.pass_ms;
			ans[i] = r.answer_ms;
		}
		qsort(pass, (size_t)i, sizeof(double), cmp_double);
		qsort(ans, (size_t)i, sizeof(double), cmp_double);
		printf("%8u %12.1f %14.1f %10llu %10llu ", counts[k],
		       pass[i / 2], ans[i / 2], (unsigned long long)r.released,
		       (unsigned long long)r.withheld);
		for (w = 1; w < SDC_NREASONS; w++)
			if (r.why[w] > 0)
				printf(" %s %llu",
				       sdc_reason_name((enum sdc_reason)w),
				       (unsigned long long)r.why[w]);
		printf("\n");
	}
	close(fd);
}

int
main(int argc, char **argv)
{
	unsigned rows = argc > 1 ? (unsigned)atoi(argv[1]) : 100000;
	int runs = argc > 2 ? atoi(argv[2]) : 3;

	if (argc > 3) {
		bench(rows, runs, argv[3]);
		return 0;
	}
	bench(rows, runs, "coarse");
	bench(rows / 5, runs, "fine");
	return 0;
}
