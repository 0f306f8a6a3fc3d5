/* rundir.c: a run folder (runs/NAME, or train's --out DIR) belongs to one
 * command at a time, and a finished run in it is never lost by accident.
 *
 * The lock is flock(LOCK_EX | LOCK_NB) on the folder itself: no lock file
 * to leave behind, and the kernel drops it when the process ends, however
 * it ends (a killed trainer leaves nothing to clean up).  train (new,
 * overwriting or resumed) and eval, which write into the folder, hold it
 * until they return; a second one on the same folder is refused at once
 * rather than left to wait.  predict only reads DIR/weights, which is
 * always replaced whole, so it takes no lock and works beside a trainer.
 *
 * A new run refuses a folder that holds a run already (its checkpoint, its
 * weights or its curve.csv): `--resume DIR` goes on with that run,
 * `--overwrite` removes its files and trains a new one in its place.
 * Under the lock, temporaries that a killed writer left (fileio.c names
 * them .NAME.XXXXXX) are removed: only for the run's own file names, only
 * regular files, only while no other process can be writing them. */
#define _DEFAULT_SOURCE         /* flock is not POSIX */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dist.h"
#include "nnrt_internal.h"

/* Every file train and eval write in a run folder (train.c, report.c,
 * eval.c, settings.c, page.c); the first three make it a run. */
static const char *const RUN_FILES[] = {
    "checkpoint", "weights", "curve.csv",
    "times.csv", "report.txt", "curve.svg", "confusion.csv", "metrics.csv",
    "settings.txt", "test.csv", "report.html",
};
enum { N_RUN_FILES = sizeof RUN_FILES / sizeof RUN_FILES[0], N_MARKS = 3 };

static int present(int dir_fd, const char *name)
{
    struct stat st;
    return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* "checkpoint, weights and curve.csv": the files that make dir a run, or
 * "" when there are none. */
static void marks_found(int dir_fd, char *text, size_t len)
{
    const char *found[N_MARKS];
    int n = 0;
    for (int i = 0; i < N_MARKS; i++)
        if (present(dir_fd, RUN_FILES[i]))
            found[n++] = RUN_FILES[i];
    text[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t used = strlen(text);
        snprintf(text + used, len - used, "%s%s", i == 0 ? "" : i == n - 1 ? " and " : ", ",
                 found[i]);
    }
}

static int refuse_run(const char *dir, const char *found, nnrt_error *err)
{
    return nnrt_fail(err,
                     "%s already holds a run (its %s); give --resume %s to go on with it, or "
                     "--overwrite to train a new one in its place",
                     dir, found, dir);
}

/* The folder open and locked into l->fd. */
static int lock_folder(nnrt_rundir *l, const char *dir, nnrt_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOTDIR ? nnrt_fail(err, "%s: exists and is not a folder", dir)
                                : nnrt_fail(err, "%s: cannot open: %s", dir, strerror(errno));
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EINTR)
            continue;
        close(fd);
        if (e == EWOULDBLOCK)
            return nnrt_fail(err,
                             "%s: another trainer is using this run folder (it holds the "
                             "folder's lock); wait for it to end, or give another --out",
                             dir);
        return nnrt_fail(err, "%s: cannot lock: %s", dir, strerror(e));
    }
    l->fd = fd;
    return 0;
}

int nnrt_rundir_lock(nnrt_rundir *l, const char *dir, nnrt_run_use use, int create,
                     nnrt_error *err)
{
    if (l->fd >= 0 || nnrt_dist_rank() > 0)   /* rank 0's folder (fileio.c) */
        return 0;
    struct stat st;
    if (!create && stat(dir, &st) != 0 && errno == ENOENT)
        return 0;
    if (create && nnrt_mkdirs(dir, err) != 0) {
        if (errno == EACCES || errno == EPERM || errno == EROFS) {   /* where else to go */
            size_t len = strlen(err->msg);
            snprintf(err->msg + len, sizeof err->msg - len, "; give --out DIR, a folder "
                     "you may write in");
        }
        return -1;
    }
    if (lock_folder(l, dir, err) != 0)
        return -1;
    char found[64];
    marks_found(l->fd, found, sizeof found);
    if (use == NNRT_RUN_NEW && found[0]) {
        nnrt_rundir_release(l);
        return refuse_run(dir, found, err);
    }
    return 0;
}

/* Removes the temporaries of ours in the locked folder. */
static void remove_stale_temporaries(const nnrt_rundir *l)
{
    int fd = dup(l->fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;   /* nothing lost: they only take room */
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        struct stat st;
        for (int i = 0; i < N_RUN_FILES; i++)
            if (nnrt_afile_is_temp(e->d_name, RUN_FILES[i]) &&
                fstatat(l->fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
                unlinkat(l->fd, e->d_name, 0);
    }
    closedir(d);
}

int nnrt_rundir_clear(const nnrt_rundir *l, const char *dir, nnrt_run_use use, nnrt_error *err)
{
    if (nnrt_dist_rank() > 0)
        return 0;
    remove_stale_temporaries(l);
    if (use != NNRT_RUN_OVERWRITE)
        return 0;
    /* the old run's files go, so none of them is mistaken for the new run's */
    for (int i = 0; i < N_RUN_FILES; i++)
        if (unlinkat(l->fd, RUN_FILES[i], 0) != 0 && errno != ENOENT)
            return nnrt_fail(err, "%s/%s: cannot remove the old run's file: %s", dir,
                             RUN_FILES[i], strerror(errno));
    return 0;
}

void nnrt_rundir_release(nnrt_rundir *l)
{
    if (l->fd >= 0)
        close(l->fd);   /* and with it the lock */
    l->fd = -1;
}
