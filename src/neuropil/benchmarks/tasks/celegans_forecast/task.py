"""The ``celegans-activity-forecast`` task as one namespace (:class:`~neuropil.benchmarks.protocol.TrainedTask`
and :class:`~neuropil.benchmarks.protocol.SubmissionHook`): data, metrics and baselines together."""

from __future__ import annotations

from neuropil.benchmarks.tasks.celegans_forecast.baselines import (BASELINES, connectome_operator, fit_predict,
                                                                    parameter_count, predict_connectome_gru,
                                                                    predict_gru, predict_lstm, predict_mean,
                                                                    predict_mlp, predict_persistence, predict_ridge)
from neuropil.benchmarks.tasks.celegans_forecast.data import (ID_COLUMNS, PREDICTION_COLUMNS, Windows, eval_input,
                                                               eval_input_from_predictions, example_ids, fit_scaling,
                                                               load_sets, make_windows, predictions_table, prepare)
from neuropil.benchmarks.tasks.celegans_forecast.metrics import (EXPECTED_INPUT_FORMAT, HORIZONS, block_bootstrap,
                                                                  evaluate)

__all__ = ["BASELINES", "EXPECTED_INPUT_FORMAT", "HORIZONS", "ID_COLUMNS", "PREDICTION_COLUMNS", "Windows",
           "block_bootstrap", "connectome_operator", "eval_input", "eval_input_from_predictions", "evaluate",
           "example_ids", "fit_predict", "fit_scaling", "load_sets", "make_windows", "parameter_count",
           "predict_connectome_gru", "predict_gru", "predict_lstm", "predict_mean", "predict_mlp",
           "predict_persistence", "predict_ridge", "predictions_table", "prepare"]
