/* See pipeline.h. */
#include "cli/pipeline.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct pipe_state {
    const cli_pipe_ops *ops;
    void *ud;
    void **blocks;
    int nblocks;
    long *seq;  /* per block: its place in the input, or -1 while free */
    bool *done; /* per block: worked on, waiting to be written */
    int *free_; /* stack of free block indices */
    int nfree;
    long next_read, next_write;
    bool eof;     /* no more blocks will be read */
    bool failed;  /* the output failed: stop */
    bool writing; /* a worker is writing blocks */
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* a block became free, or the run ended */
    pthread_mutex_t read_mu; /* one reader at a time */
} pipe_state;

typedef struct worker_arg {
    pipe_state *p;
    int index;
} worker_arg;

/* Write every done block that is next in input order. Called and returns
 * with p->mu held; the writes themselves run without it. */
static void write_ready(pipe_state *p)
{
    if (p->writing)
        return; /* that worker will find this block too: it checks under mu */
    p->writing = true;
    for (;;) {
        int b = -1;
        for (int i = 0; i < p->nblocks; i++)
            if (p->seq[i] == p->next_write && p->done[i]) {
                b = i;
                break;
            }
        if (b < 0)
            break;
        bool ok = !p->failed;
        pthread_mutex_unlock(&p->mu);
        if (ok)
            ok = p->ops->write(p->ud, p->blocks[b]);
        pthread_mutex_lock(&p->mu);
        if (!ok)
            p->failed = p->eof = true;
        p->next_write++;
        p->seq[b] = -1;
        p->done[b] = false;
        p->free_[p->nfree++] = b;
        pthread_cond_broadcast(&p->cv);
    }
    p->writing = false;
}

static void work_loop(pipe_state *p, int index)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->eof && p->nfree == 0)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->eof)
            break;
        int b = p->free_[--p->nfree];
        pthread_mutex_unlock(&p->mu);

        pthread_mutex_lock(&p->read_mu);
        long n = 0, seq = -1;
        bool at_end;
        pthread_mutex_lock(&p->mu);
        at_end = p->eof;
        pthread_mutex_unlock(&p->mu);
        if (!at_end) {
            n = p->ops->read(p->ud, p->blocks[b]);
            if (n > 0)
                seq = p->next_read++;
        }
        pthread_mutex_unlock(&p->read_mu);

        if (n <= 0) {
            pthread_mutex_lock(&p->mu);
            p->eof = true;
            p->free_[p->nfree++] = b;
            pthread_cond_broadcast(&p->cv);
            break;
        }
        p->ops->work(p->ud, index, p->blocks[b]);

        pthread_mutex_lock(&p->mu);
        p->seq[b] = seq;
        p->done[b] = true;
        write_ready(p);
    }
    /* Blocks read before the end may still wait for one in front of them:
     * the worker that finishes that one writes them (write_ready). */
    pthread_mutex_unlock(&p->mu);
}

static void *worker_main(void *arg)
{
    worker_arg *w = arg;
    work_loop(w->p, w->index);
    return NULL;
}

int cli_pipe_run(const cli_pipe_ops *ops, void *ud, int nworkers, void **blocks, int nblocks)
{
    pipe_state p = {.ops = ops, .ud = ud, .blocks = blocks, .nblocks = nblocks};
    int rc = 0;
    if (nworkers < 1)
        nworkers = 1;
    p.seq = malloc(sizeof *p.seq * (size_t)nblocks);
    p.done = calloc((size_t)nblocks, sizeof *p.done);
    p.free_ = malloc(sizeof *p.free_ * (size_t)nblocks);
    pthread_t *tid = calloc((size_t)nworkers, sizeof *tid);
    worker_arg *args = calloc((size_t)nworkers, sizeof *args);
    if (!p.seq || !p.done || !p.free_ || !tid || !args) {
        rc = 12; /* ENOMEM, without errno.h's other names */
        goto out;
    }
    for (int i = 0; i < nblocks; i++) {
        p.seq[i] = -1;
        p.free_[p.nfree++] = nblocks - 1 - i;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_mutex_init(&p.read_mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    int started = 0;
    for (int i = 1; i < nworkers; i++) {
        args[i] = (worker_arg){&p, i};
        int e = pthread_create(&tid[i], NULL, worker_main, &args[i]);
        if (e != 0) {
            rc = e; /* the workers that did start (and this thread) do the job */
            break;
        }
        started = i;
    }
    work_loop(&p, 0);
    for (int i = 1; i <= started; i++)
        pthread_join(tid[i], NULL);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.read_mu);
    pthread_mutex_destroy(&p.mu);
out:
    free(args);
    free(tid);
    free(p.free_);
    free(p.done);
    free(p.seq);
    return rc;
}
