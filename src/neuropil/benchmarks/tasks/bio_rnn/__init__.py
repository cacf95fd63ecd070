"""``microns-bio-rnn-t1|t2|t3``: MICrONS structure and function as inductive biases of a ReLU RNN.

Port of Shakiba et al. 2026 ("Harnessing cortical geometry, wiring, and function as inductive biases
for recurrent neural networks", arXiv 2606.14975; reference: one TensorFlow notebook,
github neurovium/CorticalBlueprintRNN, MIT) to PyTorch, in two protocols.

=========  ==============================================  ======  =========  =======  ===========
task       trial (steps)                                   inputs  classes    T        trials
=========  ==============================================  ======  =========  =======  ===========
``t1``     goal 20 -> delay 10 -> choices 20 (8 mazes)     8       4          50       5120/2560/2560
``t2``     fixation 5 -> stimulus 20 -> delay 10 -> go 5   3       2          40       5120/2560/2560
``t3``     fixation 1 -> stimulus 30 -> delay 10 (PDM)     3       2          41       5120/2560/2560
=========  ==============================================  ======  =========  =======  ===========

T1 and T2 are not held out in the usual sense: their trials have 8 and 2 distinct noise-free inputs, and
every test input occurs in training (the 0.05 input noise is added to training batches only); T3's
evidence is sampled per trial. ``--held-out timing`` (T1) tests on goal / delay durations never seen in
training (:data:`.trials.T1_GOAL_STEPS`).

Model: ``h_t = relu(x_t K + h_{t-1} U + b)`` with N units (N = the field's coregistered neurons, 312 on
6_6_2), Gaussian input noise 0.05 while training, a linear readout + softmax of the last state; Adam
(lr 1e-3), batch 128, 10 epochs over 5,120 training trials. ``U[i, j]`` is the weight from unit i to
unit j (the Keras orientation of the reference); :class:`.model.BioRNN` runs on :class:`torch.nn.RNN` with
``weight_hh = U.T``.

Variants are named as in the paper: the initialisation (``W`` orthogonal, ``W*`` bio from the field's
Pearson and STTC matrices, ``W!`` W* with rows and columns permuted, and in this port ``W~`` a positive
random matrix with W*'s mean and spectral radius, ``W^`` W* built from another field, ``W%`` W* with its
diagonal kept and its off-diagonal values shuffled, ``I`` 0.95 x the identity (W*'s spectral radius; an
IRNN start) and ``diag(W*)`` W*'s diagonal alone), then the
distance (``D`` grid 12 x 13 x 2, ``D*`` the neurons' positions), then ``C`` (the penalty is weighted by
the communicability of ``|U|``) or ``C*`` (the reference's ``WDC_EMD``: ``lambda sum |U| D`` plus
``0.1 * mean |sort(C_model) - sort(C_empirical)|``; no C factor, as in the notebook); a trailing ``+``
clamps ``U >= 0`` after every update (the notebook's ``sign_constraint``, the positive-only arm).

Protocols (``config["protocol"]``):

* ``reference``: the notebook, flaws included: positions loaded with ``reshape(3, -1)`` instead of a
  transpose (D* scrambled), then min-max normalised per row; D an integer grid (~12x D*'s scale); no
  lambda on the plain ``W`` penalty; C_empirical with epsilon 1e-10 on zero-strength rows; metric =
  final-epoch training accuracy (``train_accuracy``); the training set is fed in the same order every
  epoch. The held-out ``accuracy`` is reported next to it.
* ``corrected`` (default): true positions (nm), D and D* scaled to mean 1 off the diagonal, lambda on
  every penalty (per variant, :data:`.model.CORRECTED_LAMBDA`, chosen on validation by :func:`.analysis.tune_lambda`),
  zero-strength rows get no normalisation in C_empirical (pseudo-inverse), shuffled epochs; metrics
  on held-out test trials, plus learning speed (updates to reach 90 % of the final validation
  accuracy, on a 512-trial validation subset evaluated every 10 updates).

Communicability ``C = expm(S^-1/2 |U| S^-1/2)`` (zero diagonal; S = row sums of |U|) is recomputed at
every update, as in the reference, but with :func:`.model.expm_taylor` (scaling and squaring + a Taylor
polynomial whose truncation error is below 2^-24 relative per block, see there) instead of a Padé
``expm`` with its 8x-costly autograd; ``perf/bio_rnn.py`` measures the step cost.

Modules: :mod:`.trials` (the three tasks' trial generators), :mod:`.sources` (a MICrONS field or a
C. elegans connectome as the source of W*, D* and C*), :mod:`.inits` (the initial recurrent
matrices), :mod:`.model` (variants, distances, communicability, the RNN, penalties, training),
:mod:`.analysis` (graph metrics of trained weights, lambda tuning, paired tests) and :mod:`.task` (the
hooks the benchmark runner calls, re-exported here).
"""

from neuropil.benchmarks.spec import Option, TaskSpec
from neuropil.benchmarks.tasks.bio_rnn.model import EXTRA_VARIANTS, VARIANTS
from neuropil.benchmarks.tasks.bio_rnn.task import (BASELINES, EXPECTED_INPUT_FORMAT, PUBLISHED, dataset_for,
                                                    eval_input, evaluate, fit_predict, load_sets, parameter_count)
from neuropil.benchmarks.tasks.bio_rnn.trials import HELD_OUT, TIMINGS

__all__ = ["SPECS", "BASELINES", "EXPECTED_INPUT_FORMAT", "EXTRA_VARIANTS", "PUBLISHED", "TIMINGS", "VARIANTS", "dataset_for",
           "eval_input", "evaluate", "fit_predict", "load_sets", "parameter_count"]


def _bio_rnn_tasks() -> tuple[TaskSpec, ...]:
    """``microns-bio-rnn-t1|t2|t3``: ``--protocol reference|corrected``, ``--field``."""
    options = {
        "protocol": Option(help="the published configuration, flaws included, or the corrected one (default)",
                           choices=("reference", "corrected")),
        "field": Option(help="source of W*, D* and C*: a microns-fields field (6_6_2) or celegans:<connectome> "
                             "(structure only: W, WD, WDC, WDC*)"),
    }
    held_out = {"held_out": Option(help="test on trials never seen in training: 'timing' = goal / delay durations "
                                         "held out (train 10/14/18/22/26 goal steps, test 12/16/20/24)",
                                    choices=HELD_OUT)}
    return tuple(TaskSpec(
        id=f"microns-bio-rnn-{task}",
        version="1.0.0",
        description=(f"{timing.name} ({timing.steps} steps, {timing.classes} classes) solved by a ReLU RNN with one "
                     "unit per coregistered MICrONS neuron, initialised and regularised by the field's function, "
                     "wiring and geometry (Shakiba et al. 2026); held-out trial accuracy."),
        dataset="microns-fields",
        dataset_config={"field": "6_6_2"},
        split={"kind": "generated", "train": 5120, "valid": 2560, "test": 2560, "seed": 0},
        metrics=("accuracy", "train_accuracy", "updates_to_90", "modularity", "small_worldness", "assortativity",
                 "weight_entropy", "final_loss", "initial_penalty"),
        primary_metric="accuracy",
        direction="max",
        module="neuropil.benchmarks.tasks.bio_rnn",
        baselines=VARIANTS + EXTRA_VARIANTS,
        default_config={"task": task, "protocol": "corrected"},
        options={**options, **(held_out if task == "t1" else {})},
        citation=("Shakiba M, Rokni R, Mohammadi M, Dehghani N (2026) Harnessing cortical geometry, wiring, and "
                  "function as inductive biases for recurrent neural networks. arXiv:2606.14975"),
        min_seeds=20,
    ) for task, timing in TIMINGS.items())


SPECS = _bio_rnn_tasks()
