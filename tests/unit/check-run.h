/* check-run.h - what every unit test program's main() ends with */
#ifndef MKHURDIMG_CHECK_RUN_H
#define MKHURDIMG_CHECK_RUN_H

#include <check.h>

/* Run every test of S, each in a child process (Check's default), print
 * the summary and free S.  Returns the program's exit status: 0 when all
 * passed, 1 otherwise. */
int check_run(Suite *s);

#endif
