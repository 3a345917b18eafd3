/* An ordered pipeline over blocks of records: read, work, write.
 *
 * N workers share the job. Each worker in turn takes a free block, reads
 * into it (one reader at a time: the input is a stream), works on it on
 * its own (the part that runs in parallel: evaluating and formatting), and
 * marks it done; whichever worker finds the next block in input order done
 * writes it and every done block after it. So output order is input order
 * without a writer thread, and with one worker everything runs on the
 * calling thread, in order, with no thread made.
 *
 * Memory is bounded: there are `nblocks` blocks (at least workers + 1) and
 * a worker that finds none free waits for the writer to return one.
 *
 * Stopping: read returns 0 at the end of the input (or to stop reading:
 * an interrupt, a fatal read error it keeps to report); write returns
 * false when the output failed, and then no further block is read or
 * written. Blocks read before a stop are still worked on and written
 * (unless the output failed). */
#ifndef KIGEN_CLI_PIPELINE_H
#define KIGEN_CLI_PIPELINE_H

#include <stdbool.h>

typedef struct cli_pipe_ops {
    /* Fill block b (on one worker at a time, in input order). Returns the
     * number of records read into it; 0 when there are no more. */
    long (*read)(void *ud, void *b);
    /* Work on block b; worker is 0 .. nworkers-1 (its own scratch). */
    void (*work)(void *ud, int worker, void *b);
    /* Write block b (one at a time, in input order); false: stop. */
    bool (*write)(void *ud, void *b);
} cli_pipe_ops;

/* Run the pipeline to the end of the input with `nworkers` workers (the
 * calling thread is worker 0) over blocks[0 .. nblocks-1]. Returns 0, or
 * an errno when a thread could not be started (then fewer workers ran the
 * job: nothing is lost). */
int cli_pipe_run(const cli_pipe_ops *ops, void *ud, int nworkers, void **blocks, int nblocks);

#endif
