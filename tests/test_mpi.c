/* test_mpi.c: training across processes with OpenMPI (docs/parallel.md).
 *
 * A small MLP with dropout (batch 128: 4 shards, each with its own dropout
 * stream) on a slice of Fashion-MNIST (3000 training rows, 300 test),
 * 3 epochs.  Trained by one plain process, and by `nnc build --mpi`'s
 * trainer under mpirun -np 1, 2 and 3: the weights, curve.csv and the
 * checkpoint (its seconds aside) are the same bytes; so are a batchnorm
 * model's weights and curve on 2 and 3 ranks.  Then what goes
 * wrong across ranks: a rank stopped by SIGTERM stops every rank at the
 * same batch, and the run resumed on another number of ranks ends as the
 * uninterrupted one; a rank killed by SIGKILL mid-epoch ends the job and
 * resuming gives the same end; a rank without its data, running another
 * trainer binary, started with other settings or reading another
 * training file ends every rank at once with one message naming it.  A
 * plain trainer does not need libmpi, and an nnc without OpenMPI says
 * what to install.
 *
 * Every mpirun runs under `timeout`: a hang fails, it never blocks make
 * check.  --oversubscribe and --bind-to none, with --threads 1: three
 * ranks on a machine of two cores.  As root, mpirun needs the two
 * OMPI_ALLOW_RUN_AS_ROOT variables, set in main. */
#define SUITE_DIR "mpi"
#include <png.h>
#include <signal.h>

#include "dist.h"
#include "nnrt_internal.h"
#include "trainer_util.h"

/* Another build of the same model: other flags, so another binary.  Under
 * the sanitizers NNC_CFLAGS must keep them, or it would not link against
 * the runtime they built. */
#ifdef __SANITIZE_ADDRESS__
#define OTHER_CFLAGS "-O1 -ffp-contract=off -fsanitize=address,undefined -fno-omit-frame-pointer"
#else
#define OTHER_CFLAGS "-O1 -ffp-contract=off"
#endif

enum { TRAIN_ROWS = 3000, TEST_ROWS = 300, EPOCHS = 3 };

static const char SMALL_MLP[] =
    "model small_mpi\n"
    "data {\n"
    "    train {\n"
    "        images \"slice/train-images-idx3-ubyte\"\n"
    "        labels \"slice/train-labels-idx1-ubyte\"\n"
    "    }\n"
    "    test {\n"
    "        images \"slice/t10k-images-idx3-ubyte\"\n"
    "        labels \"slice/t10k-labels-idx1-ubyte\"\n"
    "    }\n"
    "    validation 10%\n"
    "    scale  1/255\n"
    "}\n"
    "network {\n"
    "    input   28x28\n"
    "    flatten\n"
    "    dense   512 relu\n"
    "    dropout 0.25\n"
    "    dense   10 softmax\n"
    "}\n"
    "train {\n"
    "    loss       cross_entropy\n"
    "    optimizer  adam lr=0.001\n"
    "    batch      128\n"
    "    epochs     3\n"
    "    seed       1\n"
    "}\n";

static char plain[256], mpi[256], other[256];   /* the trainers */

/* The first `rows` items of Fashion-MNIST's file `name` into
 * fixture_dir()/slice/NAME without .gz (plain IDX, which the loader reads
 * as well) */
static void slice_file(const char *name, int rows)
{
    char from[512], to[256];
    snprintf(from, sizeof from, "/usr/share/datasets/fashion-mnist/%s.gz", name);
    path_in(to, sizeof to, "slice");
    make_dir("%s", to);
    snprintf(to + strlen(to), sizeof to - strlen(to), "/%s", name);
    nnrt_idx idx;
    nnrt_error err;
    ck_assert_msg(nnrt_idx_load(from, &idx, &err) == 0, "%s", err.msg);
    int dims[3] = { rows, idx.dims[1], idx.dims[2] };
    write_idx(to, idx.bytes, idx.ndims, dims);
    nnrt_idx_free(&idx);
}

/* Once, in the runner's process: the data, and the plain trainer, the MPI
 * one and another build of the MPI one (other flags: another binary of
 * the same model) */
static void build_all(void)
{
    ck_assert_msg(have_fashion(), "Fashion-MNIST is missing: install dataset-fashion-mnist "
                                  "(make deps)");
    slice_file("train-images-idx3-ubyte", TRAIN_ROWS);
    slice_file("train-labels-idx1-ubyte", TRAIN_ROWS);
    slice_file("t10k-images-idx3-ubyte", TEST_ROWS);
    slice_file("t10k-labels-idx1-ubyte", TEST_ROWS);
    setenv("NNC_DATA", fixture_dir(), 1);
    char nn[256], cmd[2048], *out;
    path_in(nn, sizeof nn, "small_mpi.nn");
    write_text(nn, SMALL_MLP);
    path_in(plain, sizeof plain, "trainer_plain");
    path_in(mpi, sizeof mpi, "trainer_mpi");
    path_in(other, sizeof other, "trainer_other");
    build_trainer(nn, plain);
    snprintf(cmd, sizeof cmd, "%s build --mpi %s -o %s", nnc_bin(), nn, mpi);
    ck_assert_msg(run_cmd(cmd, &out) == 0, "%s:\n%s", cmd, out);
    free(out);
    snprintf(cmd, sizeof cmd, "NNC_CFLAGS='%s' %s build --mpi %s -o %s", OTHER_CFLAGS,
             nnc_bin(), nn, other);
    ck_assert_msg(run_cmd(cmd, &out) == 0, "%s:\n%s", cmd, out);
    free(out);
}

/* The mpirun prefix: under timeout, ranks on any core, more than cores */
#define MPIRUN "timeout 60 mpirun --oversubscribe --bind-to none"

/* A folder for a run, fresh */
static void run_dir(char *dir, size_t len, const char *name)
{
    path_in(dir, len, name);
    fresh_dir("%s", dir);
    rmdir(dir);   /* train makes it: a folder it did not make could hold a run */
}

/* Train into fixture_dir()/name with `ranks` ranks of the MPI trainer, or
 * with the plain one when ranks is 0; fails unless it ends with 0 */
static char *train(int ranks, const char *name, char *dir, size_t len)
{
    char cmd[2048], *out;
    run_dir(dir, len, name);
    if (ranks == 0)
        snprintf(cmd, sizeof cmd, "%s train --threads 1 --out %s", plain, dir);
    else
        snprintf(cmd, sizeof cmd, MPIRUN " -np %d %s train --threads 1 --out %s", ranks, mpi,
                 dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s: status %d\n%s", cmd, status, out);
    return out;
}

/* The checkpoint's bytes with what is not computed blanked: each curve
 * row's seconds (the last 8 bytes of its 80, just before the tensors:
 * docs/checkpoint.md) and the checksum over them */
static char *checkpoint_without_times(const char *dir, size_t *len)
{
    char path[300];
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    char *bytes = slurp_len(path, len);
    char name[] = "....dense512.w";
    uint32_t name_len = (uint32_t)strlen(name) - 4;
    memcpy(name, &name_len, 4);   /* little-endian, as the file */
    char *tensor = find_bytes(bytes, *len, name, strlen("....dense512.w"));
    ck_assert_msg(tensor != NULL, "%s: no tensor dense512.w", path);
    char *tensors = tensor - 4;   /* their count */
    for (int row = 1; row <= EPOCHS; row++)
        memset(tensors - row * 80 + 72, 0, 8);
    memset(bytes + *len - 4, 0, 4);
    return bytes;
}

/* dir's weights, curve.csv and checkpoint are ref's */
static void assert_same_run(const char *ref, const char *dir)
{
    static const char *const FILES[] = { "weights", "curve.csv" };
    char a[300], b[300];
    for (int f = 0; f < 2; f++) {
        snprintf(a, sizeof a, "%s/%s", ref, FILES[f]);
        snprintf(b, sizeof b, "%s/%s", dir, FILES[f]);
        ck_assert_msg(same_file_bytes(a, b), "%s differs from %s", b, a);
    }
    size_t len_a, len_b;
    char *ck_a = checkpoint_without_times(ref, &len_a);
    char *ck_b = checkpoint_without_times(dir, &len_b);
    ck_assert_msg(len_a == len_b && memcmp(ck_a, ck_b, len_a) == 0,
                  "%s/checkpoint differs from %s's", dir, ref);
    free(ck_a);
    free(ck_b);
}

/* How many times needle is in text */
static int count_of(const char *text, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);
    for (size_t i = 0; text[i]; i++)
        n += strncmp(text + i, needle, len) == 0;
    return n;
}

START_TEST(ranks_give_the_bits_of_one_process)
{
    char ref[256], dir[256];
    char *out = train(0, "plain", ref, sizeof ref);
    char *one = train(1, "np1", dir, sizeof dir);
    assert_same_run(ref, dir);
    /* rank 0 prints what one process does */
    ck_assert_int_eq(count_of(one, "test: loss"), 1);
    char *test_line = strstr(one, "test: loss");
    *strchr(test_line, '\n') = '\0';
    ck_assert_msg(strstr(out, test_line) != NULL, "%s\nnot in\n%s", test_line, out);
    free(one);
    free(out);
    static const int RANKS[] = { 2, 3 };
    for (int i = 0; i < 2; i++) {
        char name[16];
        snprintf(name, sizeof name, "np%d", RANKS[i]);
        out = train(RANKS[i], name, dir, sizeof dir);
        assert_same_run(ref, dir);
        /* rank 0 alone prints */
        ck_assert_msg(count_of(out, "test: loss") == 1, "-np %d:\n%s", RANKS[i], out);
        free(out);
    }
}
END_TEST

/* A convnet with batchnorm after a convolution and after a dense layer:
 * batch 96, 3 shards, which meet for each batchnorm's statistics and
 * gradient sums (nnrt.h: nnrt_stage), every rank's sums passed to every
 * other; 2 epochs on the slice, the last batch of each 12 rows */
static const char SMALL_BATCHNORM[] =
    "model small_mpi_batchnorm\n"
    "data {\n"
    "    train {\n"
    "        images \"slice/train-images-idx3-ubyte\"\n"
    "        labels \"slice/train-labels-idx1-ubyte\"\n"
    "    }\n"
    "    test {\n"
    "        images \"slice/t10k-images-idx3-ubyte\"\n"
    "        labels \"slice/t10k-labels-idx1-ubyte\"\n"
    "    }\n"
    "    validation 10%\n"
    "    scale  1/255\n"
    "}\n"
    "network {\n"
    "    input     28x28x1\n"
    "    conv2d    8 3x3\n"
    "    batchnorm relu momentum=0.9\n"
    "    maxpool   2\n"
    "    flatten\n"
    "    dense     32\n"
    "    batchnorm relu\n"
    "    dense     10 softmax\n"
    "}\n"
    "train {\n"
    "    loss       cross_entropy\n"
    "    optimizer  adam lr=0.002\n"
    "    batch      96\n"
    "    epochs     2\n"
    "    seed       1\n"
    "}\n";

/* A batchnorm model on 2 and 3 ranks: one process's weights and curve,
 * and it learns */
START_TEST(batchnorm_ranks_give_the_bits_of_one_process)
{
    char nn[256], bn_plain[256], bn_mpi[256], ref[256], dir[256], cmd[2048], *out;
    path_in(nn, sizeof nn, "small_mpi_batchnorm.nn");
    write_text(nn, SMALL_BATCHNORM);
    path_in(bn_plain, sizeof bn_plain, "batchnorm_plain");
    path_in(bn_mpi, sizeof bn_mpi, "batchnorm_mpi");
    build_trainer(nn, bn_plain);
    snprintf(cmd, sizeof cmd, "%s build --mpi %s -o %s", nnc_bin(), nn, bn_mpi);
    ck_assert_msg(run_cmd(cmd, &out) == 0, "%s:\n%s", cmd, out);
    free(out);
    run_dir(ref, sizeof ref, "batchnorm_ref");
    snprintf(cmd, sizeof cmd, "%s train --threads 1 --out %s", bn_plain, ref);
    ck_assert_msg(run_cmd(cmd, &out) == 0, "%s:\n%s", cmd, out);
    double acc = test_accuracy(out);
    ck_assert_msg(acc > 0.6, "test accuracy %.4f", acc);
    free(out);
    for (int ranks = 2; ranks <= 3; ranks++) {
        char name[32];
        snprintf(name, sizeof name, "batchnorm_np%d", ranks);
        run_dir(dir, sizeof dir, name);
        snprintf(cmd, sizeof cmd, MPIRUN " -np %d %s train --threads 1 --out %s", ranks, bn_mpi,
                 dir);
        ck_assert_msg(run_cmd(cmd, &out) == 0, "%s:\n%s", cmd, out);
        free(out);
        static const char *const FILES[] = { "weights", "curve.csv" };
        for (int f = 0; f < 2; f++) {
            char a[300], b[300];
            snprintf(a, sizeof a, "%s/%s", ref, FILES[f]);
            snprintf(b, sizeof b, "%s/%s", dir, FILES[f]);
            ck_assert_msg(same_file_bytes(a, b), "-np %d: %s differs from %s", ranks, b, a);
        }
    }
}
END_TEST

/* A job of the MPI trainer on 2 ranks, rank 1 started through a shell that
 * writes its pid into pid_file first; its output into log.  mpirun's pid. */
static pid_t spawn_job(const char *dir, const char *pid_file, const char *log)
{
    char script[500];
    snprintf(script, sizeof script, "echo $$ > '%s'; exec \"$@\"", pid_file);
    char *const argv[] = {
        "/usr/bin/timeout", "60", "mpirun", "--oversubscribe", "--bind-to", "none",
        "-np", "1", mpi, "train", "--threads", "1", "--out", (char *)dir, ":",
        "-np", "1", "sh", "-c", script, "sh", mpi, "train", "--threads", "1", "--out",
        (char *)dir, NULL
    };
    return spawn_logged(argv, log);
}

/* Whether file a was last written after file b (both there) */
static int newer(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_mtim.tv_sec > sb.st_mtim.tv_sec ||
           (sa.st_mtim.tv_sec == sb.st_mtim.tv_sec && sa.st_mtim.tv_nsec > sb.st_mtim.tv_nsec);
}

/* Wait until epoch 1 is saved, at most 60 s: its curve.csv, then the
 * checkpoint after it (written last), so the run is in epoch 2 */
static void wait_for_epoch_1(const char *dir)
{
    char curve[300], checkpoint[300];
    snprintf(curve, sizeof curve, "%s/curve.csv", dir);
    snprintf(checkpoint, sizeof checkpoint, "%s/checkpoint", dir);
    for (int i = 0; i < 60000 && !newer(checkpoint, curve); i++)
        sleep_seconds(0.001);
    ck_assert_msg(newer(checkpoint, curve), "%s never saved its first epoch", dir);
}

/* The pid in pid_file, once it has one */
static pid_t pid_in(const char *pid_file)
{
    long pid = 0;
    for (int i = 0; i < 60000 && pid <= 0; i++) {
        FILE *f = fopen(pid_file, "r");
        if (f) {
            if (fscanf(f, "%ld", &pid) != 1)
                pid = 0;
            fclose(f);
        }
        if (pid <= 0)
            sleep_seconds(0.001);
    }
    ck_assert_msg(pid > 0, "no pid in %s", pid_file);
    return (pid_t)pid;
}

/* The exit status of pid */
static int status_of(pid_t pid)
{
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Start a 2-rank job, and once its first epoch is saved, send rank 1 sig; the job's exit status, its output in *out */
static int job_hit_in_epoch_2(const char *name, int sig, char *dir, size_t len, char **out)
{
    char pid_file[300], log[300];
    run_dir(dir, len, name);
    snprintf(pid_file, sizeof pid_file, "%s.pid", dir);
    snprintf(log, sizeof log, "%s.log", dir);
    remove(pid_file);
    pid_t job = spawn_job(dir, pid_file, log);
    pid_t rank1 = pid_in(pid_file);
    wait_for_epoch_1(dir);
    kill(rank1, sig);
    int status = status_of(job);
    *out = slurp(log);
    return status;
}

/* Resume dir with `ranks` ranks; fails unless it ends with 0 */
static void resume(int ranks, const char *dir)
{
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, MPIRUN " -np %d %s train --threads 1 --resume %s", ranks, mpi,
             dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "%s: status %d\n%s", cmd, status, out);
    free(out);
}

/* SIGTERM to one rank: every rank stops at the same batch of epoch 2 (or
 * all after epoch 1), rank 0 saves the run and says so once; 3 ranks
 * finish it as one process would have */
START_TEST(a_signal_stops_every_rank_and_the_run_resumes)
{
    char ref[256], dir[256], *out;
    free(train(0, "plain_ref", ref, sizeof ref));
    int status = job_hit_in_epoch_2("stopped", SIGTERM, dir, sizeof dir, &out);
    ck_assert_msg(status == 128 + SIGTERM, "status %d:\n%s", status, out);
    /* inside epoch 2, which lasts a few tenths of a second, or, on a
     * loaded machine, while epoch 1 is still being saved: either way, one
     * report for the whole job */
    ck_assert_msg(count_of(out, "small_mpi: stopped in epoch 2 at batch ") +
                          count_of(out, "small_mpi: stopped after epoch 1;") == 1,
                  "%s", out);
    ck_assert_msg(count_of(out, "go on with") == 1, "%s", out);
    free(out);
    resume(3, dir);
    assert_same_run(ref, dir);
}
END_TEST

/* SIGKILL of one rank in epoch 2: mpirun ends the job; the checkpoint of
 * epoch 1 stays, and the run resumed from it ends as one process's */
START_TEST(a_rank_killed_ends_the_job_and_the_run_resumes)
{
    char ref[256], dir[256], *out;
    free(train(0, "plain_ref2", ref, sizeof ref));
    int status = job_hit_in_epoch_2("killed", SIGKILL, dir, sizeof dir, &out);
    ck_assert_msg(status != 0 && status != 124, "status %d (124: a hang):\n%s", status, out);
    ck_assert_msg(strstr(out, "test: loss") == NULL, "the job finished:\n%s", out);
    free(out);
    resume(2, dir);
    assert_same_run(ref, dir);
}
END_TEST

/* mpirun's MPMD form: rank 0 runs first, rank 1 second with more options;
 * the job's status, its output in *out */
static int run_two(const char *first, const char *second, const char *more, const char *dir,
                   char **out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             MPIRUN " -np 1 %s train --threads 1 --out %s : -np 1 %s train --threads 1 --out %s%s",
             first, dir, second, dir, more);
    return run_cmd(cmd, out);
}

/* Rank 1 finds no data ($NNC_DATA elsewhere): every rank ends, with one
 * message from rank 0 naming rank 1, its host and the file, and no run
 * folder is made */
START_TEST(a_rank_without_its_data_stops_every_rank)
{
    char dir[256], second[600], *out, host[64];
    run_dir(dir, sizeof dir, "no_data");
    snprintf(second, sizeof second, "env NNC_DATA=%.200s/nowhere %s", fixture_dir(), mpi);
    int status = run_two(mpi, second, "", dir, &out);
    ck_assert_msg(status == 2, "status %d:\n%s", status, out);
    nnrt_dist_host(host, sizeof host);
    char expected[600];
    snprintf(expected, sizeof expected, "small_mpi: error: rank 1 of 2 (host %s) could not "
             "start: slice/train-images-idx3-ubyte: not found", host);
    ck_assert_msg(count_of(out, expected) == 1, "expected once: %s\n%s", expected, out);
    ck_assert_int_eq(count_of(out, "error"), 1);
    ck_assert_msg(!path_exists(dir), "%s was made", dir);
    free(out);
}
END_TEST

/* Rank 1 runs another build of the same model: refused, naming it */
START_TEST(a_rank_with_another_binary_is_refused)
{
    char dir[256], *out;
    run_dir(dir, sizeof dir, "other_binary");
    int status = run_two(mpi, other, "", dir, &out);
    ck_assert_msg(status == 2, "status %d:\n%s", status, out);
    ck_assert_msg(count_of(out, "small_mpi: error: rank 1 of 2 (host ") == 1, "%s", out);
    ck_assert_msg(strstr(out, ") runs another trainer binary (") != NULL, "%s", out);
    free(out);
}
END_TEST

/* Rank 1 started with another seed: refused, naming the settings */
START_TEST(a_rank_with_other_settings_is_refused)
{
    char dir[256], *out;
    run_dir(dir, sizeof dir, "other_seed");
    int status = run_two(mpi, mpi, " --seed 2", dir, &out);
    ck_assert_msg(status == 2, "status %d:\n%s", status, out);
    ck_assert_msg(count_of(out, "small_mpi: error: rank 1 of 2 (host ") == 1, "%s", out);
    ck_assert_msg(strstr(out, ") runs with other settings (epochs 3, batch 128, lr 0.00100000005, "
                              "seed 2, limit 0; rank 0's: epochs 3, batch 128, "
                              "lr 0.00100000005, seed 1, limit 0)") != NULL,
                  "%s", out);
    free(out);
}
END_TEST

/* Rank 1 reads a training file with one pixel changed (its $NNC_DATA a
 * copy of the slice): refused, naming the file, before anything is trained */
START_TEST(a_rank_with_other_data_is_refused)
{
    static const char *const FILES[] = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" };
    char changed[256], from[600], to[400], second[700], dir[256], *out;
    path_in(changed, sizeof changed, "changed");
    make_dir("%s/slice", changed);
    for (int f = 0; f < 4; f++) {
        size_t len;
        snprintf(from, sizeof from, "%.512s/slice/%s", fixture_dir(), FILES[f]);
        snprintf(to, sizeof to, "%s/slice/%s", changed, FILES[f]);
        char *bytes = slurp_len(from, &len);
        if (f == 0)
            bytes[16 + 1000] ^= 1;   /* past the header: one pixel of image 1 */
        write_bytes(to, bytes, len);
        free(bytes);
    }
    snprintf(second, sizeof second, "env NNC_DATA=%.200s %s", changed, mpi);
    run_dir(dir, sizeof dir, "other_data");
    int status = run_two(mpi, second, "", dir, &out);
    ck_assert_msg(status == 2, "status %d:\n%s", status, out);
    ck_assert_msg(count_of(out, "small_mpi: error: rank 1 of 2 (host ") == 1, "%s", out);
    ck_assert_msg(strstr(out, ") has another training set (CRC-32 ") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "slice/train-images-idx3-ubyte") != NULL, "%s", out);
    ck_assert_msg(!path_exists(dir), "%s was made", dir);
    free(out);
}
END_TEST

/* predict --input under mpirun: rank 0 alone reads the files and answers,
 * once; rank 1, given a file its host lacks, does not end the job (it
 * did, with its own error, when every rank answered) */
START_TEST(predict_input_is_rank_0s_alone)
{
    char dir[256], png[300], cmd[2048], *out;
    path_in(dir, sizeof dir, "predict_input");
    fresh_dir("%s", dir);
    snprintf(cmd, sizeof cmd, "%s steps 0 --weights-out %s/weights", mpi, dir);
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    free(out);
    unsigned char pixels[28 * 28];
    for (int i = 0; i < 28 * 28; i++)
        pixels[i] = (unsigned char)(i % 28 < 14 ? 200 : 20);
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = image.height = 28;
    image.format = PNG_FORMAT_GRAY;
    snprintf(png, sizeof png, "%s/half.png", dir);
    ck_assert_msg(png_image_write_to_file(&image, png, 0, pixels, 0, NULL), "%s", image.message);
    snprintf(cmd, sizeof cmd,
             MPIRUN " -np 1 %s predict --threads 1 --weights %s/weights --input %s"
                    " : -np 1 %s predict --threads 1 --weights %s/weights --input %s/nowhere.png",
             mpi, dir, png, mpi, dir, dir);
    int status = run_cmd(cmd, &out);
    ck_assert_msg(status == 0, "status %d:\n%s", status, out);
    ck_assert_msg(count_of(out, "half.png: 28x28 grey") == 1, "%s", out);
    ck_assert_msg(strstr(out, "nowhere.png") == NULL, "%s", out);
    free(out);
}
END_TEST

/* eval on two ranks, rank 0 with weights, rank 1 with `rank1_weights`
 * (a path under the run's folder); the job's status, its output in *out */
static int eval_two(const char *name, const char *rank1_weights, char *dir, size_t len,
                    char **out)
{
    char weights[300], cmd[2048];
    path_in(dir, len, name);
    fresh_dir("%s", dir);
    snprintf(weights, sizeof weights, "%s/start", dir);
    snprintf(cmd, sizeof cmd, "%s steps 0 --weights-out %s", mpi, weights);
    ck_assert_int_eq(run_cmd(cmd, out), 0);
    free(*out);
    snprintf(cmd, sizeof cmd, "%s steps 0 --seed 2 --weights-out %s/other", mpi, dir);
    ck_assert_int_eq(run_cmd(cmd, out), 0);
    free(*out);
    snprintf(cmd, sizeof cmd,
             MPIRUN " -np 1 %s eval --threads 1 --weights %s --out %s"
                    " : -np 1 %s eval --threads 1 --weights %s/%s --out %s",
             mpi, weights, dir, mpi, dir, rank1_weights, dir);
    return run_cmd(cmd, out);
}

/* Rank 1 lacks its weights file: every rank ends, rank 0 naming rank 1,
 * its host and the file */
START_TEST(an_eval_rank_without_its_weights_is_named)
{
    char dir[256], expected[700], *out, host[64];
    int status = eval_two("eval_no_weights", "nowhere", dir, sizeof dir, &out);
    ck_assert_msg(status == 2, "status %d:\n%s", status, out);
    nnrt_dist_host(host, sizeof host);
    snprintf(expected, sizeof expected, "small_mpi: error: rank 1 of 2 (host %s) could not "
             "start: %s/nowhere: ", host, dir);
    ck_assert_msg(count_of(out, expected) == 1, "expected once: %s\n%s", expected, out);
    free(out);
}
END_TEST

/* Rank 1 has other weights: refused.  The ranks share out the test
 * batches, so before they were compared the answer was partly rank 1's
 * (here all of it: one shard a batch, which rank 1 ran), silently. */
START_TEST(an_eval_rank_with_other_weights_is_refused)
{
    char dir[256], *out;
    int status = eval_two("eval_other_weights", "other", dir, sizeof dir, &out);
    ck_assert_msg(status == 2, "status %d:\n%s", status, out);
    ck_assert_msg(count_of(out, "small_mpi: error: rank 1 of 2 (host ") == 1, "%s", out);
    ck_assert_msg(strstr(out, ") runs with other settings (eval --limit 0, weights CRC-32 ") !=
                      NULL, "%s", out);
    ck_assert_msg(strstr(out, "test: loss") == NULL, "an answer was given:\n%s", out);
    free(out);
}
END_TEST

/* Whether readelf says exe needs a libmpi */
static int needs_libmpi(const char *exe)
{
    char cmd[500], *out;
    snprintf(cmd, sizeof cmd, "readelf -d %s", exe);
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    int needs = strstr(out, "(NEEDED)") && strstr(out, "[libmpi");
    free(out);
    return needs;
}

START_TEST(only_mpi_trainers_need_libmpi)
{
    ck_assert(!needs_libmpi(plain));
    ck_assert(needs_libmpi(mpi));
}
END_TEST

/* An nnc whose OpenMPI part is missing (installed without it: here a copy
 * beside libnnrt.a alone) says what to install, and builds plain
 * trainers still */
START_TEST(build_mpi_without_openmpi_says_what_to_install)
{
    char bare[256], cmd[2048], *out;
    const char *build = getenv("NNC_BUILD") && *getenv("NNC_BUILD") ? getenv("NNC_BUILD") : "build";
    path_in(bare, sizeof bare, "bare");
    fresh_dir("%s/include", bare);
    snprintf(cmd, sizeof cmd, "cp %s %s/libnnrt.a %s/ && cp %s/include/*.h %s/include/",
             nnc_bin(), build, bare, build, bare);
    ck_assert_int_eq(run_cmd(cmd, NULL), 0);
    snprintf(cmd, sizeof cmd, "%s/nnc build --mpi %s/small_mpi.nn -o %s/t", bare, fixture_dir(),
             bare);
    ck_assert_int_eq(run_cmd(cmd, &out), 1);
    ck_assert_msg(strstr(out, "nnc: error: --mpi: ") &&
                      strstr(out, "install it (apt-get install libopenmpi-dev openmpi-bin)"),
                  "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s/nnc build %s/small_mpi.nn -o %s/t", bare, fixture_dir(), bare);
    ck_assert_int_eq(run_cmd(cmd, &out), 0);
    free(out);
}
END_TEST

int main(void)
{
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    /* OpenMPI keeps memory to the end, which a sanitizer build's leak
     * check would count against the trainers */
    setenv("ASAN_OPTIONS", "detect_leaks=0", 0);
    Suite *s = suite_create("mpi");
    TCase *tc = tcase_create("mpi");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, build_all, NULL);
    tcase_add_test(tc, ranks_give_the_bits_of_one_process);
    tcase_add_test(tc, batchnorm_ranks_give_the_bits_of_one_process);
    tcase_add_test(tc, a_signal_stops_every_rank_and_the_run_resumes);
    tcase_add_test(tc, a_rank_killed_ends_the_job_and_the_run_resumes);
    tcase_add_test(tc, a_rank_without_its_data_stops_every_rank);
    tcase_add_test(tc, a_rank_with_another_binary_is_refused);
    tcase_add_test(tc, a_rank_with_other_settings_is_refused);
    tcase_add_test(tc, a_rank_with_other_data_is_refused);
    tcase_add_test(tc, an_eval_rank_without_its_weights_is_named);
    tcase_add_test(tc, an_eval_rank_with_other_weights_is_refused);
    tcase_add_test(tc, predict_input_is_rank_0s_alone);
    tcase_add_test(tc, only_mpi_trainers_need_libmpi);
    tcase_add_test(tc, build_mpi_without_openmpi_says_what_to_install);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
