"""Take the README's screenshots of the real window: `make screenshots` (runs under Xvfb).

1. assets/screenshot-training.png: examples/mnist.py live, paused after some training steps
   with a MatMul of the traced train_step selected (needs MNIST: TAPESCOPE_DATA or the cache).
2. assets/screenshot-nan.png: a script that makes a NaN, stopped by a NaN breakpoint.
"""

from __future__ import annotations

import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.main_window import MainWindow  # noqa: E402
from app.session import PAUSED  # noqa: E402
from debugger.breakpoints import Breakpoint  # noqa: E402

NAN_SCRIPT = textwrap.dedent("""\
    import engine as tf

    w = tf.Variable([[1.0, 0.5], [0.5, 1.0]], name="w")
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.5)
    for step in range(20):
        with tf.GradientTape() as tape:
            h = tf.matmul(x, w)
            loss = tf.reduce_mean(tf.math.log(h))  # NaN once training drives h below 0
        grads = tape.gradient(loss, [w])
        optimizer.apply_gradients(zip(grads, [w]))
        print(f"step {step}: loss {float(loss):.4f}")
""")


def wait(app: QApplication, condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def settle(app: QApplication, seconds: float = 1.5) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def shoot(window: MainWindow, name: str) -> None:
    path = ROOT / "assets" / name
    window.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> int:
    settings_dir = tempfile.mkdtemp(prefix="tapescope-shots-")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    app = QApplication(sys.argv[:1])
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    session = window.session

    window.open_path(ROOT / "examples" / "mnist.py")
    wait(app, lambda: session.state == PAUSED)
    session.run()
    wait(app, lambda: session.step >= 120)
    session.pause()
    wait(app, lambda: session.state == PAUSED)
    matmul = next(op for op in reversed(session.ops) if op["op"] == "MatMul")
    window.select_op(matmul["seq"])
    wait(app, lambda: window.graph_dock._pending is None)
    settle(app)
    shoot(window, "screenshot-training.png")
    session.stop()
    wait(app, lambda: session.state == "finished")

    script = Path(settings_dir) / "nan_demo.py"
    script.write_text(NAN_SCRIPT)
    os.chdir(settings_dir)  # the Source dock names it as the user would: nan_demo.py
    window.open_path(script)
    wait(app, lambda: session.state == PAUSED)
    session.set_breakpoints([Breakpoint.on_nan()])
    session.run()
    wait(app, lambda: session.state == PAUSED
         and (session.paused_event or {}).get("reason") != "start")
    seq = session.paused_event.get("at_seq")
    if seq is not None:
        window.select_op(seq)
    wait(app, lambda: window.graph_dock._pending is None)
    settle(app)
    shoot(window, "screenshot-nan.png")
    session.stop()
    wait(app, lambda: session.state == "finished")
    session.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
