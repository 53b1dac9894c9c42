"""Callbacks (``tf.keras.callbacks``): code ``fit``/``evaluate``/``predict`` run at boundaries.

``CallbackList`` also reports fit's boundaries to the debugger: when a hook is attached
(``engine.context.STATE.hook``) and has ``fit_event``, it receives
``fit_event(kind, **info)`` for train/epoch begin and end and after every train batch.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from engine.context import STATE
from engine.keras.progbar import Progbar


class Callback:
    """Base: override the ``on_*`` hooks you need; ``self.model`` is the model being fit."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None: ...
    def on_train_end(self, logs: dict | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_end(batch, logs)

    def on_test_begin(self, logs: dict | None = None) -> None: ...
    def on_test_end(self, logs: dict | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None: ...
    def on_predict_begin(self, logs: dict | None = None) -> None: ...
    def on_predict_end(self, logs: dict | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    # Keras 1 names, called by the default on_train_batch_* as in Keras 2.
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...


class History(Callback):
    """Records every epoch's logs: ``history.history["loss"]`` is the loss per epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and the progress bar (verbose 1) or one line per epoch (2)."""

    def __init__(self, count_mode: str = "steps") -> None:
        super().__init__()
        self._bar: Progbar | None = None
        self._seen = 0
        self._in_fit = False  # evaluation inside fit adds to the epoch's bar, not its own

    @property
    def verbose(self) -> int:
        return int(self.params.get("verbose", 1))

    def _new_bar(self, target: int | None) -> None:
        self._bar = Progbar(target, verbose=self.verbose)
        self._seen = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._in_fit = True

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        epochs = self.params.get("epochs", 1)
        if self.verbose and epochs > 1:
            print(f"Epoch {epoch + 1}/{epochs}", flush=True)
        self._new_bar(self.params.get("steps"))

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._seen = batch + 1
        if self._bar is not None:
            self._bar.update(self._seen, logs, finalize=False)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self._bar is not None:
            self._bar.update(self._seen, logs, finalize=True)

    def on_test_begin(self, logs: dict | None = None) -> None:
        if not self._in_fit:
            self._new_bar(self.params.get("steps"))

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if not self._in_fit:
            self._seen = batch + 1
            if self._bar is not None:
                self._bar.update(self._seen, logs, finalize=False)

    def on_test_end(self, logs: dict | None = None) -> None:
        if not self._in_fit and self._bar is not None:
            self._bar.update(self._seen, logs, finalize=True)

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._new_bar(self.params.get("steps"))

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._seen = batch + 1
        if self._bar is not None:
            self._bar.update(self._seen, None, finalize=False)

    def on_predict_end(self, logs: dict | None = None) -> None:
        if self._bar is not None:
            self._bar.update(self._seen, None, finalize=True)


class EarlyStopping(Callback):
    """Stop ``fit`` once ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, int(patience), verbose
        self.baseline, self.restore_best_weights = baseline, bool(restore_best_weights)
        self.start_from_epoch = int(start_from_epoch)
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"EarlyStopping mode {mode} is unknown, fallback to auto mode.",
                          stacklevel=2)
            mode = "auto"
        if mode == "auto":
            maximize = monitor.endswith(("acc", "accuracy", "auc"))
        else:
            maximize = mode == "max"
        self._maximize = maximize
        self.min_delta = abs(min_delta) if maximize else -abs(min_delta)
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best = -np.inf if maximize else np.inf
        self.best_weights: list | None = None

    def _improved(self, value: float, reference: float) -> bool:
        if self._maximize:
            return value - self.min_delta > reference
        return value - self.min_delta < reference

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best = -np.inf if self._maximize else np.inf
        self.best_weights = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs)}", stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    print("Restoring model weights from the end of the best epoch: "
                          f"{self.best_epoch + 1}.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``."""

    _HOOKS = ("on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end",
              "on_train_begin", "on_train_end", "on_train_batch_begin", "on_train_batch_end",
              "on_test_begin", "on_test_end", "on_predict_begin", "on_predict_end")

    def __init__(self, **hooks: Callable[..., Any]) -> None:
        super().__init__()
        for name, fn in hooks.items():
            if name not in self._HOOKS:
                raise TypeError(f"LambdaCallback got an unknown hook {name!r}; expected one of "
                                f"{', '.join(self._HOOKS)}")
            if fn is not None:
                setattr(self, name, fn)


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate from ``schedule(epoch, lr)`` before each epoch."""

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        lr = float(self.schedule(epoch, float(self.model.optimizer.learning_rate)))
        self.model.optimizer.learning_rate = lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite."""

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class CallbackList:
    """Calls each callback in order, and tells an attached debugger hook about fit's progress."""

    def __init__(self, callbacks: Iterable[Callback] | None = None, model: Any = None,
                 add_history: bool = False, add_progbar: bool = False, **params: Any) -> None:
        self.callbacks = list(callbacks or [])
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        self.history: History | None = None
        if add_history:
            self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
            if self.history is None:
                self.history = History()
                self.callbacks.insert(0, self.history)
        self.model = model
        self.params = params
        for c in self.callbacks:
            c.set_model(model)
            c.set_params(params)

    def _each(self, method: str, *args: Any) -> None:
        for c in self.callbacks:
            getattr(c, method)(*args)

    def _notify(self, kind: str, **info: Any) -> None:
        hook = STATE.hook
        if hook is not None:
            hook.fit_event(kind, **info)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._each("on_train_begin", logs)
        self._notify("train_begin", epochs=self.params.get("epochs"),
                     steps=self.params.get("steps"), model=getattr(self.model, "name", None))

    def on_train_end(self, logs: dict | None = None) -> None:
        self._each("on_train_end", logs)
        self._notify("train_end", logs=dict(logs or {}))

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._each("on_epoch_begin", epoch, logs)
        self._notify("epoch_begin", epoch=epoch, epochs=self.params.get("epochs"),
                     steps=self.params.get("steps"))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._each("on_epoch_end", epoch, logs)
        self._notify("epoch_end", epoch=epoch, logs=dict(logs or {}))

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._each("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None, epoch: int = 0) -> None:
        self._each("on_train_batch_end", batch, logs)
        self._notify("batch_end", epoch=epoch, batch=batch, logs=dict(logs or {}))

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._each("on_test_begin", logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        self._each("on_test_end", logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._each("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._each("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._each("on_predict_begin", logs)

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._each("on_predict_end", logs)

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._each("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._each("on_predict_batch_end", batch, logs)
