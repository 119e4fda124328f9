/* SPDX-License-Identifier: BSD-2-Clause */
/* Stop signals for the record loop: handlers only set a flag. */
#include <signal.h>
#include <string.h>

#include "pcaprec/record.h"

static volatile sig_atomic_t record_stop_flag;

static void record_on_stop(int sig)
{
	(void)sig;
	record_stop_flag = 1;
}

void record_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = record_on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: poll() returns EINTR and the loop sees the flag */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

bool record_stop_requested(void)
{
	return record_stop_flag != 0;
}

void record_request_stop(void)
{
	record_stop_flag = 1;
}
