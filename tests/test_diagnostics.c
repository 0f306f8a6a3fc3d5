/* test_diagnostics.c: every remaining error of the checker, to the letter:
 * the message, the position, the quoted line and the caret.  Each case is
 * a whole .nn file (most built from test_util.h's MODEL_HEAD and
 * MODEL_TRAIN) and everything nnc reports for it. */
#include "test_util.h"

typedef struct Case {
    const char *name;
    const char *source;
    const char *expected;
} Case;

static const Case CASES[] = {
    {
        "block_needed",
        MODEL_HEAD
        "network\n"
        MODEL_TRAIN,
        "t.nn:12:1: error: 'network' needs a { block } of layers\n"
        "   12 | network\n"
        "      | ^~~~~~~\n",
    },
    {
        "block_refused",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    flatten { }\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: 'flatten' takes no { block }\n"
        "   14 |     flatten { }\n"
        "      |     ^~~~~~~\n",
    },
    {
        "missing_argument",
        MODEL_HEAD
        "network {\n"
        "    input\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:13:5: error: 'input' needs a shape, such as 'input 28x28'\n"
        "   13 |     input\n"
        "      |     ^~~~~\n",
    },
    {
        "too_many_arguments",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax relu\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:21: error: too many arguments to 'dense'\n"
        "   14 |     dense 2 softmax relu\n"
        "      |                     ^~~~\n",
    },
    {
        "option_twice",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer adam lr=0.1 lr=0.2\n"
        "}\n",
        "t.nn:18:27: error: option 'lr' given twice\n"
        "   18 |     optimizer adam lr=0.1 lr=0.2\n"
        "      |                           ^~\n",
    },
    {
        "init_scale_alone",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax init_scale=0.1\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:21: error: init_scale goes with init=normal or init=uniform\n"
        "   14 |     dense 2 softmax init_scale=0.1\n"
        "      |                     ^~~~~~~~~~\n",
    },
    {
        "input_not_first",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: 'input' must be the first layer\n"
        "   14 |     input 4\n"
        "      |     ^~~~~\n",
    },
    {
        "too_many_weights",
        MODEL_HEAD
        "network {\n"
        "    input 100000\n"
        "    dense 100000 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: dense 100000 on 100000 inputs needs 10000000000 weights; at most 268435456 are supported\n"
        "   14 |     dense 100000 softmax\n"
        "      |     ^~~~~~~~~~~~~~~~~~~~\n",
    },
    {
        /* past what x86-64 links: it used to fail at the link, "a bug in nnc" */
        "static_buffers_too_large",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    flatten\n"
        "    dense 6000 relu\n"
        "    dense 30000 relu\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:16:5: error: the trainer's static parameters need 2.07 GiB, more than the 1.98 GiB a trainer can hold\n"
        "   16 |     dense 30000 relu\n"
        "      |     ^~~~~~~~~~~~~~~~\n"
        "      = x86-64 links at most 2 GiB of static data, and each value is there twice: a float, and a double for gradcheck\n"
        "      = dense30000 needs 2.01 GiB of it: 180030000 parameters; make the layers smaller\n",
    },
    {
        /* a replica's array past what int indexes: the C compiler used to
           fail on its negative size, "a bug in nnc" */
        "replica_windows_too_large",
        MODEL_HEAD
        "network {\n"
        "    input 5000x5000\n"
        "    conv2d 2 11x11 relu\n"
        "    maxpool 8x8\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: conv2 needs an array of 3012912100 values; a trainer's arrays hold fewer than 2^31\n"
        "   14 |     conv2d 2 11x11 relu\n"
        "      |     ^~~~~~~~~~~~~~~~~~~\n"
        "      = that is its scratch for a sample's windows, indexed by int: make the image, its channels or the window smaller\n",
    },
    {
        "replica_rows_too_large",
        MODEL_HEAD
        "network {\n"
        "    input 1000x1000\n"
        "    conv2d 64 3x3 relu\n"
        "    maxpool 8x8\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN_BATCH(64),
        "t.nn:14:5: error: conv64 needs an array of 4079632384 values; a trainer's arrays hold fewer than 2^31\n"
        "   14 |     conv2d 64 3x3 relu\n"
        "      |     ^~~~~~~~~~~~~~~~~~\n"
        "      = it holds 64 rows of 63744256 values each (the batch, or the rows evaluated at a time), indexed by int: make the layer or the batch smaller\n",
    },
    {
        "validation_range",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        images \"a-images.gz\"\n"
        "        labels \"a-labels.gz\"\n"
        "    }\n"
        "    test {\n"
        "        images \"b-images.gz\"\n"
        "        labels \"b-labels.gz\"\n"
        "    }\n"
        "    validation 100%\n"
        "}\n"
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:11:16: error: validation must be at least 0% and below 100%, got 100%\n"
        "   11 |     validation 100%\n"
        "      |                ^~~~\n",
    },
    {
        "scale_kind",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        images \"a-images.gz\"\n"
        "        labels \"a-labels.gz\"\n"
        "    }\n"
        "    test {\n"
        "        images \"b-images.gz\"\n"
        "        labels \"b-labels.gz\"\n"
        "    }\n"
        "    scale \"x\"\n"
        "}\n"
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:11:11: error: scale must be a number, not a string 'x'\n"
        "   11 |     scale \"x\"\n"
        "      |           ^~~\n",
    },
    {
        "positive_without_bce",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        images \"a-images.gz\"\n"
        "        labels \"a-labels.gz\"\n"
        "    }\n"
        "    test {\n"
        "        images \"b-images.gz\"\n"
        "        labels \"b-labels.gz\"\n"
        "    }\n"
        "    positive 3\n"
        "}\n"
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:11:5: error: 'positive' makes a binary task; it goes with loss binary_cross_entropy\n"
        "   11 |     positive 3\n"
        "      |     ^~~~~~~~\n",
    },
    {
        "columns_without_csv",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        images \"a-images.gz\"\n"
        "        labels \"a-labels.gz\"\n"
        "    }\n"
        "    test {\n"
        "        images \"b-images.gz\"\n"
        "        labels \"b-labels.gz\"\n"
        "    }\n"
        "    inputs a b\n"
        "}\n"
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:11:5: error: columns are for csv data: write 'train { csv \"FILE\" }'\n"
        "   11 |     inputs a b\n"
        "      |     ^~~~~~\n",
    },
    {
        "csv_and_images",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        csv \"a.csv\"\n"
        "        images \"x\"\n"
        "    }\n"
        "    test {\n"
        "        csv \"b.csv\"\n"
        "    }\n"
        "    inputs a\n"
        "    targets b\n"
        "}\n"
        "network {\n"
        "    input 1\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:4:9: error: 'train' data is either a csv file or images and labels\n"
        "    4 |         csv \"a.csv\"\n"
        "      |         ^~~\n",
    },
    {
        "csv_without_columns",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        csv \"a.csv\"\n"
        "    }\n"
        "    test {\n"
        "        csv \"b.csv\"\n"
        "    }\n"
        "}\n"
        "network {\n"
        "    input 1\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:2:1: error: csv data needs 'inputs COLUMN...' and 'targets COLUMN...'\n"
        "    2 | data {\n"
        "      | ^~~~\n",
    },
    {
        "unknown_schedule",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer adam\n"
        "    schedule cosin\n"
        "}\n",
        "t.nn:19:14: error: unknown schedule 'cosin'\n"
        "   19 |     schedule cosin\n"
        "      |              ^~~~~\n"
        "      = did you mean 'cosine'?\n",
    },
    {
        "schedule_factor_range",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer adam\n"
        "    schedule step factor=2\n"
        "}\n",
        "t.nn:19:26: error: factor must be above 0 and at most 1, got 2\n"
        "   19 |     schedule step factor=2\n"
        "      |                          ^\n",
    },
    {
        "let_not_a_number",
        "let units = \"many\"\n"
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:1:13: error: let units must be a number or a name, not 'many'\n"
        "    1 | let units = \"many\"\n"
        "      |             ^~~~~~\n",
    },
    {
        "let_syntax",
        "let units\n"
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:1:1: error: a let is 'let NAME = NUMBER' or 'let NAME = WORD'\n"
        "    1 | let units\n"
        "      | ^~~~~~~~~\n",
    },
    {
        "empty_network",
        MODEL_HEAD
        "network {\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:12:1: error: the network has no layers\n"
        "   12 | network {\n"
        "      | ^~~~~~~\n",
    },
    {
        "lstm_after_flatten",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    flatten\n"
        "    lstm 8\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:15:5: error: lstm needs a sequence (steps x features), but its input is 784\n"
        "   15 |     lstm 8\n"
        "      |     ^~~~~~\n"
        "      = a flat input has no steps: remove 'flatten' before it, give 'input' two dimensions (input 28x28 is 28 steps of 28 values), or put 'sequences' on the recurrent layer before it\n",
    },
    {
        "recurrent_on_an_image",
        MODEL_HEAD
        "network {\n"
        "    input 28x28x1\n"
        "    gru 8\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: gru needs a sequence (steps x features), but its input is 28x28x1\n"
        "   14 |     gru 8\n"
        "      |     ^~~~~\n"
        "      = a recurrent layer reads rows as steps: give 'input' two dimensions, such as 'input 28x28'\n",
    },
    {
        "softmax_on_each_step",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    lstm 8 sequences\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:15:13: error: softmax on each of 28 steps needs a class for each step, but a sample has one label\n"
        "   15 |     dense 2 softmax\n"
        "      |             ^~~~~~~\n"
        "      = give the recurrent layer before it no 'sequences', so that dense sees its last step only, or add 'flatten' before this layer\n",
    },
    {
        "sequence_out_one_label",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    gru 8 sequences\n"
        "    dense 2 sigmoid\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:15:5: error: the last layer gives 2 outputs on each of 28 steps, but a sample has one target\n"
        "   15 |     dense 2 sigmoid\n"
        "      |     ^~~~~~~~~~~~~~~\n"
        "      = give the recurrent layer before it no 'sequences', so that dense sees its last step only, or add 'flatten' before line 15\n",
    },
    {
        /* a swap of two letters, another case, Keras's spellings */
        "suggestions_for_swaps_case_and_keras",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    MaxPooling2D 2\n"
        "    flatten\n"
        "    dense 16 rleu\n"
        "    dense 2 SoftMax\n"
        "}\n"
        "train {\n"
        "    loss sparse_categorical_crossentropy\n"
        "    optimizer adam learning_rate=0.001\n"
        "}\n",
        "t.nn:14:5: error: unknown layer 'MaxPooling2D'\n"
        "   14 |     MaxPooling2D 2\n"
        "      |     ^~~~~~~~~~~~\n"
        "      = did you mean 'maxpool'?\n"
        "t.nn:16:14: error: unknown activation 'rleu'\n"
        "   16 |     dense 16 rleu\n"
        "      |              ^~~~\n"
        "      = did you mean 'relu'?\n"
        "t.nn:17:13: error: unknown activation 'SoftMax'\n"
        "   17 |     dense 2 SoftMax\n"
        "      |             ^~~~~~~\n"
        "      = did you mean 'softmax'?\n"
        "t.nn:20:10: error: unknown loss 'sparse_categorical_crossentropy'\n"
        "   20 |     loss sparse_categorical_crossentropy\n"
        "      |          ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
        "      = did you mean 'cross_entropy'?\n"
        "t.nn:21:20: error: 'optimizer' takes no option 'learning_rate'\n"
        "   21 |     optimizer adam learning_rate=0.001\n"
        "      |                    ^~~~~~~~~~~~~\n"
        "      = did you mean 'lr'?\n",
    },
    {
        /* the perceptron's activation builds, with a warning that it stops learning */
        "step_passes_no_gradient",
        MODEL_HEAD
        "network {\n"
        "    input 784\n"
        "    dense 16 step\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:14: warning: no gradient passes 'step': its slope is 0 wherever it has one, so this layer and those before it never learn\n"
        "   14 |     dense 16 step\n"
        "      |              ^~~~\n"
        "      = step is the perceptron's activation, trained by its own rule, not by backpropagation; sigmoid is the smooth step that learns\n",
    },
    {
        "smoothing_is_for_cross_entropy",
        MODEL_HEAD
        "network {\n"
        "    input 784\n"
        "    dense 2 sigmoid\n"
        "}\n"
        "train {\n"
        "    loss mse smoothing=0.1\n"
        "    optimizer adam\n"
        "}\n",
        "t.nn:17:14: error: smoothing= goes with cross_entropy, not mse\n"
        "   17 |     loss mse smoothing=0.1\n"
        "      |              ^~~~~~~~~\n",
    },
    {
        "lstm_takes_no_activation",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    lstm 8 tanh\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:12: error: 'tanh' is not an option of lstm: after the units comes only 'sequences'\n"
        "   14 |     lstm 8 tanh\n"
        "      |            ^~~~\n",
    },
    {
        "rnn_sequences_last",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    rnn 8 sequences relu\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:21: error: 'relu' is not an option of rnn: after the units comes an activation, then 'sequences'\n"
        "   14 |     rnn 8 sequences relu\n"
        "      |                     ^~~~\n",
    },
    {
        "rnn_activation_from_output",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    rnn 8 softmax\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:11: error: rnn takes an activation whose derivative its output gives (tanh, relu, sigmoid, leaky_relu, elu, identity), not softmax\n"
        "   14 |     rnn 8 softmax\n"
        "      |           ^~~~~~~\n",
    },
    {
        "unit_forget_bias_on_a_kernel",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    lstm 8 init=unit_forget_bias\n"
        "    dense 2 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:17: error: unit_forget_bias is how lstm's bias starts, not a kernel's initializer\n"
        "   14 |     lstm 8 init=unit_forget_bias\n"
        "      |                 ^~~~~~~~~~~~~~~~\n",
    },
    {
        "clip_norm_and_clip_value",
        MODEL_HEAD
        "network {\n"
        "    input 4\n"
        "    dense 2 softmax\n"
        "}\n"
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer sgd clip_norm=1 clip_value=0.5\n"
        "    batch 4\n"
        "    epochs 1\n"
        "}\n",
        "t.nn:18:31: error: give clip_norm or clip_value, not both\n"
        "   18 |     optimizer sgd clip_norm=1 clip_value=0.5\n"
        "      |                               ^~~~~~~~~~\n"
        "      = clip_norm scales each tensor's gradient down to that norm; clip_value holds each value of it within +-clip_value\n",
    },
    {
        "autoencoder_output_width",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        images \"a-images.gz\"\n"
        "        labels \"a-labels.gz\"\n"
        "    }\n"
        "    test {\n"
        "        images \"b-images.gz\"\n"
        "        labels \"b-labels.gz\"\n"
        "    }\n"
        "    target input\n"
        "}\n"
        "network {\n"
        "    input 28x28\n"
        "    flatten\n"
        "    dense 32 relu\n"
        "    dense 10 sigmoid\n"
        "}\n"
        "train {\n"
        "    loss binary_cross_entropy\n"
        "    optimizer sgd\n"
        "}\n",
        "t.nn:17:5: error: an autoencoder gives back its input: its last layer needs 784 outputs, one per input value, not 10\n"
        "   17 |     dense 10 sigmoid\n"
        "      |     ^~~~~~~~~~~~~~~~\n"
        "      = end the network with 'dense 784 sigmoid'\n",
    },
    {
        "autoencoder_bce_needs_sigmoid",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        images \"a-images.gz\"\n"
        "        labels \"a-labels.gz\"\n"
        "    }\n"
        "    test {\n"
        "        images \"b-images.gz\"\n"
        "        labels \"b-labels.gz\"\n"
        "    }\n"
        "    target input\n"
        "}\n"
        "network {\n"
        "    input 28x28\n"
        "    flatten\n"
        "    dense 32 relu\n"
        "    dense 784 relu\n"
        "}\n"
        "train {\n"
        "    loss binary_cross_entropy\n"
        "    optimizer sgd\n"
        "}\n",
        "t.nn:20:5: error: binary_cross_entropy compares each output with its input value in [0, 1]: the last layer needs sigmoid, not relu\n"
        "   20 |     loss binary_cross_entropy\n"
        "      |     ^~~~~~~~~~~~~~~~~~~~~~~~~\n"
        "      = write 'dense 784 sigmoid' at line 17\n",
    },
    {
        "autoencoder_loss",
        "model t\n"
        "data {\n"
        "    train {\n"
        "        images \"a-images.gz\"\n"
        "        labels \"a-labels.gz\"\n"
        "    }\n"
        "    test {\n"
        "        images \"b-images.gz\"\n"
        "        labels \"b-labels.gz\"\n"
        "    }\n"
        "    target input\n"
        "}\n"
        "network {\n"
        "    input 28x28\n"
        "    flatten\n"
        "    dense 32 relu\n"
        "    dense 784 softmax\n"
        "}\n"
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer sgd\n"
        "}\n",
        "t.nn:20:5: error: an autoencoder compares its output with its input, value by value: its loss is mse, mae, sum_of_squares or binary_cross_entropy, not cross_entropy\n"
        "   20 |     loss cross_entropy\n"
        "      |     ^~~~~~~~~~~~~~~~~~\n",
    },
    {
        "series_needs_a_window",
        "model t\n"
        "data {\n"
        "    series \"s.csv\" column=v\n"
        "}\n"
        "network {\n"
        "    input 30\n"
        "    dense 1\n"
        "}\n"
        "train {\n"
        "    loss mse\n"
        "    optimizer sgd\n"
        "}\n",
        "t.nn:3:5: error: a series needs 'window N': how many values the model sees to forecast the next\n"
        "    3 |     series \"s.csv\" column=v\n"
        "      |     ^~~~~~\n",
    },
    {
        "series_makes_its_own_samples",
        "model t\n"
        "data {\n"
        "    series \"s.csv\"\n"
        "    window 30\n"
        "    train {\n"
        "        csv \"a.csv\"\n"
        "    }\n"
        "}\n"
        "network {\n"
        "    input 30\n"
        "    dense 1\n"
        "}\n"
        "train {\n"
        "    loss mse\n"
        "    optimizer sgd\n"
        "}\n",
        "t.nn:5:5: error: a series makes its own samples: 'train' does not go with 'series'\n"
        "    5 |     train {\n"
        "      |     ^~~~~\n"
        "      = the training, validation and test parts are the series' first, middle and last values ('validation', 'test 20%')\n",
    },
    {
        "series_window_and_input",
        "model t\n"
        "data {\n"
        "    series \"s.csv\"\n"
        "    window 30\n"
        "}\n"
        "network {\n"
        "    input 20x1\n"
        "    lstm 4\n"
        "    dense 2\n"
        "}\n"
        "train {\n"
        "    loss mse\n"
        "    optimizer sgd\n"
        "}\n",
        "t.nn:7:5: error: the input takes 20 values, but a window of the series is 30\n"
        "    7 |     input 20x1\n"
        "      |     ^~~~~~~~~~\n"
        "      = write 'input 30x1' (30 steps of one value), or 'input 30'\n"
        "t.nn:9:5: error: a series' forecast is one value, but the last layer gives 2\n"
        "    9 |     dense 2\n"
        "      |     ^~~~~~~\n",
    },
    {
        "text_output_is_the_vocabulary",
        "model t\n"
        "data {\n"
        "    text \"t.txt\"\n"
        "    window 20\n"
        "}\n"
        "network {\n"
        "    input 20\n"
        "    embedding 64 8\n"
        "    lstm 4\n"
        "    dense 10 softmax\n"
        "}\n"
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer sgd\n"
        "}\n",
        "t.nn:10:5: error: a text model gives the next character's probabilities: its last layer is 'dense 64 softmax', one per id of the embedding's vocabulary\n"
        "   10 |     dense 10 softmax\n"
        "      |     ^~~~~~~~~~~~~~~~\n",
    },
    {
        "text_has_no_horizon",
        "model t\n"
        "data {\n"
        "    text \"t.txt\"\n"
        "    window 20\n"
        "    horizon 2\n"
        "}\n"
        "network {\n"
        "    input 10\n"
        "    embedding 64 8\n"
        "    lstm 4\n"
        "    dense 64 softmax\n"
        "}\n"
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer sgd\n"
        "}\n",
        "t.nn:5:5: error: a text model forecasts the next character: 'horizon' is for a series\n"
        "    5 |     horizon 2\n"
        "      |     ^~~~~~~\n"
        "t.nn:8:5: error: the input takes 10 characters, but a window of the text is 20\n"
        "    8 |     input 10\n"
        "      |     ^~~~~~~~\n"
        "      = write 'input 20'\n",
    },
    {
        "ends_in_flatten",
        MODEL_HEAD
        "network {\n"
        "    input 2x2\n"
        "    flatten\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: the network must end in a dense layer, not 'flatten'\n"
        "   14 |     flatten\n"
        "      |     ^~~~~~~\n",
    },
    {
        "conv_flat_input",
        MODEL_HEAD
        "network {\n"
        "    input 784\n"
        "    conv2d 8 3x3\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: conv2d needs an image input (rows x columns x channels), but its input is 784\n"
        "   14 |     conv2d 8 3x3\n"
        "      |     ^~~~~~~~~~~~\n"
        "      = give the input layer an image shape, such as 'input 28x28x1', and put image layers before 'flatten'\n",
    },
    {
        "pool_after_flatten",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    flatten\n"
        "    maxpool 2\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:15:5: error: maxpool needs an image input (rows x columns x channels), but its input is 784\n"
        "   15 |     maxpool 2\n"
        "      |     ^~~~~~~~~\n"
        "      = give the input layer an image shape, such as 'input 28x28x1', and put image layers before 'flatten'\n",
    },
    {
        "conv_missing_window",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    conv2d 8\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: 'conv2d' needs a number of filters and a window, as in 'conv2d 32 3x3 relu'\n"
        "   14 |     conv2d 8\n"
        "      |     ^~~~~~~~\n",
    },
    {
        "conv_window_3d",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    conv2d 8 3x3x3\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:14: error: the window must be a size such as 3 or 3x3 (each from 1 to 1024), not '3x3x3'\n"
        "   14 |     conv2d 8 3x3x3\n"
        "      |              ^~~~~\n",
    },
    {
        "conv_window_zero",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    conv2d 8 0x3\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:14: error: the window must be a size such as 3 or 3x3 (each from 1 to 1024), not '0x3'\n"
        "   14 |     conv2d 8 0x3\n"
        "      |              ^~~\n",
    },
    {
        "conv_window_too_big",
        MODEL_HEAD
        "network {\n"
        "    input 4x4x1\n"
        "    conv2d 8 5x5\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: a 5x5 window does not fit in the 4x4 input\n"
        "   14 |     conv2d 8 5x5\n"
        "      |     ^~~~~~~~~~~~\n"
        "      = use a smaller window, or padding=same\n",
    },
    {
        "conv_padding_word",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    conv2d 8 3x3 padding=full\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:26: error: padding must be 'same', 'valid' or a number of pixels, not 'full'\n"
        "   14 |     conv2d 8 3x3 padding=full\n"
        "      |                          ^~~~\n",
    },
    {
        "pool_padding_too_big",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    maxpool 3 padding=3\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:23: error: the padding must be between 0 and 2, got 3\n"
        "   14 |     maxpool 3 padding=3\n"
        "      |                       ^\n",
    },
    {
        "conv_softmax",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    conv2d 8 3x3 softmax\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:18: error: softmax goes on a dense output, not on a convolution's feature maps\n"
        "   14 |     conv2d 8 3x3 softmax\n"
        "      |                  ^~~~~~~\n",
    },
    {
        "conv_stride_zero",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    conv2d 8 3x3 stride=0\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:25: error: the stride must be between 1 and 1024, got 0\n"
        "   14 |     conv2d 8 3x3 stride=0\n"
        "      |                         ^\n",
    },
    {
        "conv_unknown_option",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    conv2d 8 3x3 rate=2\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:18: error: 'conv2d' takes no option 'rate'\n"
        "   14 |     conv2d 8 3x3 rate=2\n"
        "      |                  ^~~~\n",
    },
    {
        "pool_misspelt",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    maxpol 2\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: unknown layer 'maxpol'\n"
        "   14 |     maxpol 2\n"
        "      |     ^~~~~~\n"
        "      = did you mean 'maxpool'?\n",
    },
    {
        "dense_on_image",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    conv2d 8 3x3\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:15:5: error: dense needs a flat input, but its input is 26x26x8\n"
        "   15 |     dense 10 softmax\n"
        "      |     ^~~~~~~~~~~~~~~~\n"
        "      = add 'flatten' before this layer\n",
    },
    {
        "pool_missing_size",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    maxpool\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:5: error: 'maxpool' needs a window, as in 'maxpool 2' or 'maxpool 3x3 stride=2'\n"
        "   14 |     maxpool\n"
        "      |     ^~~~~~~\n",
    },
    {
        "globalavgpool_argument",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    globalavgpool 2\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:19: error: too many arguments to 'globalavgpool'\n"
        "   14 |     globalavgpool 2\n"
        "      |                   ^\n",
    },
    {
        "batchnorm_momentum_one",
        MODEL_HEAD
        "network {\n"
        "    input 28x28x3\n"
        "    conv2d 8 3x3 relu\n"
        "    batchnorm momentum=1\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:15:24: error: momentum must be below 1, or the moving statistics never move\n"
        "   15 |     batchnorm momentum=1\n"
        "      |                        ^\n",
    },
    {
        "batchnorm_softmax",
        MODEL_HEAD
        "network {\n"
        "    input 28x28x3\n"
        "    batchnorm softmax\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:15: error: softmax goes on a dense output, not after batchnorm; put a dense layer after it\n"
        "   14 |     batchnorm softmax\n"
        "      |               ^~~~~~~\n",
    },
    {
        /* over units, batch 1 makes every value beta (PyTorch refuses it);
         * after conv2d, a channel's statistics come from every pixel */
        "batchnorm_over_units_batch_1",
        MODEL_HEAD
        "network {\n"
        "    input 28x28\n"
        "    conv2d 4 3x3\n"
        "    batchnorm relu\n"
        "    flatten\n"
        "    dense 16\n"
        "    batchnorm relu name=hidden_norm\n"
        "    dense 10 softmax\n"
        "}\n"
        "train {\n"
        "    loss cross_entropy\n"
        "    optimizer sgd lr=0.1\n"
        "    batch 1\n"
        "}\n",
        "t.nn:24:11: error: batch 1 with 'hidden_norm', a batchnorm over units: each unit's "
        "batch statistics come from one value, so it outputs its beta whatever its input, and "
        "nothing before it learns; use batch 2 or more\n"
        "   24 |     batch 1\n"
        "      |           ^\n",
    },
    {
        "batchnorm_epsilon_zero",
        MODEL_HEAD
        "network {\n"
        "    input 28x28x3\n"
        "    batchnorm epsilon=0\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:23: error: epsilon must be above 0 and at most 1, got 0\n"
        "   14 |     batchnorm epsilon=0\n"
        "      |                       ^\n",
    },
    {
        "conv_slope_without_leaky_relu",
        MODEL_HEAD
        "network {\n"
        "    input 28x28x3\n"
        "    conv2d 8 3x3 slope=0.1\n"
        "    flatten\n"
        "    dense 10 softmax\n"
        "}\n"
        MODEL_TRAIN,
        "t.nn:14:18: error: 'slope' is an option of leaky_relu, not of identity\n"
        "   14 |     conv2d 8 3x3 slope=0.1\n"
        "      |                  ^~~~~\n",
    },
};

START_TEST(reports_exactly)
{
    const Case *c = &CASES[_i];
    char *out = diagnose(c->source);
    ck_assert_msg(strcmp(out, c->expected) == 0, "%s: got\n%s\nexpected\n%s", c->name, out,
                  c->expected);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("diagnostics");
    TCase *tc = tcase_create("errors");
    tcase_add_loop_test(tc, reports_exactly, 0, (int)(sizeof CASES / sizeof CASES[0]));
    suite_add_tcase(s, tc);
    return run_suite(s);
}
