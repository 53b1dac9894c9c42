/* The CPU's flush-to-zero and denormals-are-zero bits around a call, as TensorFlow's
 * ScopedFlushDenormal sets them around its CPU kernels (see engine/denormals.py, which
 * falls back to ctypes when this is not built). x86-64: the bits are MXCSR's, per thread,
 * and each call saves and restores the caller's own, so nesting and threads need nothing.
 * ~10 ns per call, against ~0.35 us for the two ctypes calls it replaces. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if !defined(__x86_64__) && !defined(_M_X64)
#error "engine._fpmode is for x86-64; engine/denormals.py falls back to ctypes elsewhere"
#endif
#include <xmmintrin.h>

#define FLUSH_BITS 0x8040u /* MXCSR FTZ (bit 15) | DAZ (bit 6) */

/* call(fn, *args, **kwargs): fn's result, computed with the bits set */
static PyObject *call(PyObject *self, PyObject *const *args, size_t nargsf,
                      PyObject *kwnames) {
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (n < 1) {
        PyErr_SetString(PyExc_TypeError, "call() needs the function to call");
        return NULL;
    }
    unsigned int saved = _mm_getcsr();
    _mm_setcsr(saved | FLUSH_BITS);
    PyObject *result = PyObject_Vectorcall(args[0], args + 1, (size_t)(n - 1), kwnames);
    _mm_setcsr(saved);
    return result;
}

/* enter() -> token: set the bits for a block; leave(token) puts back what enter found */
static PyObject *enter(PyObject *self, PyObject *unused) {
    unsigned int saved = _mm_getcsr();
    _mm_setcsr(saved | FLUSH_BITS);
    return PyLong_FromUnsignedLong(saved & FLUSH_BITS);
}

static PyObject *leave(PyObject *self, PyObject *token) {
    unsigned long bits = PyLong_AsUnsignedLong(token);
    if (bits == (unsigned long)-1 && PyErr_Occurred()) return NULL;
    /* only the two bits: a reserved MXCSR bit would fault */
    _mm_setcsr((_mm_getcsr() & ~FLUSH_BITS) | ((unsigned int)bits & FLUSH_BITS));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"call", (PyCFunction)(void (*)(void))call, METH_FASTCALL | METH_KEYWORDS,
     "call(fn, *args, **kwargs): fn(*args, **kwargs) with FTZ/DAZ set, restored after."},
    {"enter", enter, METH_NOARGS, "Set FTZ/DAZ; returns the token leave() restores."},
    {"leave", leave, METH_O, "Restore the FTZ/DAZ bits enter() found."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "engine._fpmode",
                                    "FTZ/DAZ around a call (engine/denormals.py).", -1,
                                    methods};

PyMODINIT_FUNC PyInit__fpmode(void) { return PyModule_Create(&module); }
