/* _gather: the columnar encoder's inner loop in C (see columnar.py, which owns the semantics).
 *
 * gather(items, program) walks every item once and reads each field of the program, writing numbers
 * straight into Arrow-layout buffers (values + validity bitmap) instead of Python lists. It handles
 * only the cases whose result is certain to equal pyarrow's own conversion; on anything else (a value
 * of an unexpected type, an out-of-range integer, a getter that raises) it raises Fallback, and the
 * caller encodes that batch with the pure-Python path, which produces the real result or error.
 *
 * program: tuple of nodes in pre-order; node = (parent, getter, kind)
 *   parent: index of an earlier STRUCT node, or -1 for the item itself
 *   getter: str (attribute name), tuple of str (attribute chain) or a callable taking the parent
 * result: list with one entry per node:
 *   STRUCT             -> (validity bytes | None, null_count)
 *   OBJECT             -> list of values (None where the value or a parent is null)
 *   numeric kinds      -> (data bytes, validity | None, null_count)
 *   LIST_F64           -> (offsets int32 bytes, values float64 bytes, validity | None, null_count)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum Kind { STRUCT, OBJECT, F64, F32, I8, I16, I32, I64, U8, U16, U32, LIST_F64, KIND_COUNT };
static const char *KIND_NAME[KIND_COUNT] = {"STRUCT", "OBJECT", "F64", "F32", "I8", "I16", "I32", "I64",
                                            "U8", "U16", "U32", "LIST_F64"};

static const Py_ssize_t WIDTH[KIND_COUNT] = {0, 0, 8, 4, 1, 2, 4, 8, 1, 2, 4, 0};
static const long long LOW[KIND_COUNT] = {0, 0, 0, 0, INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN, 0, 0, 0, 0};
static const long long HIGH[KIND_COUNT] = {0, 0, 0, 0, INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX,
                                           UINT8_MAX, UINT16_MAX, UINT32_MAX, 0};
static const double EXACT_INT = 9007199254740992.0; /* 2**53: larger ints are not exact doubles */

static PyObject *Fallback;
static PyObject *GenericGetattribute; /* object.__getattribute__ */
static PyObject *GetattributeName;

/* Whether `name` of instances of `type` can be read from the instance dict: the type keeps the
 * generic attribute lookup and has no data descriptor (property, slot) of that name. */
typedef struct {
    PyTypeObject *type;
    int plain;
} TypeCache;

typedef struct {
    Py_ssize_t parent;
    PyObject *getter; /* borrowed from the program */
    int kind;
    TypeCache *caches; /* one per attribute of the getter */
    PyObject *data_bytes, *valid_bytes; /* the result buffers, written in place */
    char *data;       /* numeric values, or list offsets */
    uint8_t *valid;
    Py_ssize_t nulls;
    PyObject *objects; /* OBJECT: the list */
    double *flat;      /* LIST_F64 values */
    Py_ssize_t flat_len, flat_cap;
} Node;

static int fallback(const char *why) {
    PyErr_SetString(Fallback, why);
    return -1;
}

static int is_plain(PyTypeObject *type, PyObject *name) {
    if (type->tp_dictoffset == 0 || _PyType_Lookup(type, name) != NULL)
        return 0;
    if (type->tp_getattro == PyObject_GenericGetAttr)
        return 1;
    PyObject *getattribute = _PyType_Lookup(type, GetattributeName);
    return getattribute == GenericGetattribute;
}

/* getattr(obj, name); for plain types straight from the instance dict (pydantic models keep their
 * fields there), which skips the type's __getattr__ hook. */
static PyObject *get_attr(PyObject *obj, PyObject *name, TypeCache *cache) {
    PyTypeObject *type = Py_TYPE(obj);
    if (cache->type != type) {
        cache->type = type;
        cache->plain = is_plain(type, name);
    }
    if (cache->plain) {
        PyObject **dictptr = _PyObject_GetDictPtr(obj);
        if (dictptr != NULL && *dictptr != NULL) {
            PyObject *value = PyDict_GetItemWithError(*dictptr, name);
            if (value != NULL) {
                Py_INCREF(value);
                return value;
            }
            if (PyErr_Occurred())
                return NULL;
        }
    }
    return PyObject_GetAttr(obj, name);
}

static PyObject *read_field(PyObject *parent, PyObject *getter, TypeCache *caches) {
    if (PyUnicode_CheckExact(getter))
        return get_attr(parent, getter, caches);
    if (PyTuple_CheckExact(getter)) {
        Py_INCREF(parent);
        PyObject *value = parent;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(getter); i++) {
            if (value == Py_None) {
                Py_DECREF(value);
                fallback("None inside an attribute chain");
                return NULL;
            }
            PyObject *next = get_attr(value, PyTuple_GET_ITEM(getter, i), &caches[i]);
            Py_DECREF(value);
            if (next == NULL)
                return NULL;
            value = next;
        }
        return value;
    }
    return PyObject_CallOneArg(getter, parent);
}

static int as_double(PyObject *value, double *out) {
    if (PyFloat_Check(value)) {
        *out = PyFloat_AS_DOUBLE(value);
        return 0;
    }
    if (PyLong_CheckExact(value)) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
        if (overflow || (double)v > EXACT_INT || (double)v < -EXACT_INT)
            return fallback("integer not exact as a double");
        *out = (double)v;
        return 0;
    }
    return fallback("not a float");
}

static int store_number(Node *node, Py_ssize_t row, PyObject *value) {
    if (node->kind == F64 || node->kind == F32) {
        double d;
        if (as_double(value, &d) < 0)
            return -1;
        if (node->kind == F64)
            memcpy(node->data + row * 8, &d, 8);
        else {
            float f = (float)d;
            memcpy(node->data + row * 4, &f, 4);
        }
        return 0;
    }
    if (!PyLong_Check(value) || PyBool_Check(value))
        return fallback("not an integer");
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow || v < LOW[node->kind] || v > HIGH[node->kind])
        return fallback("integer out of range");
    char *at = node->data + row * WIDTH[node->kind];
    switch (node->kind) {
    case I8: case U8: { uint8_t x = (uint8_t)v; memcpy(at, &x, 1); break; }
    case I16: case U16: { uint16_t x = (uint16_t)v; memcpy(at, &x, 2); break; }
    case I32: case U32: { uint32_t x = (uint32_t)v; memcpy(at, &x, 4); break; }
    default: memcpy(at, &v, 8);
    }
    return 0;
}

static int flat_reserve(Node *node, Py_ssize_t more) {
    if (node->flat_len + more <= node->flat_cap)
        return 0;
    Py_ssize_t cap = node->flat_cap ? node->flat_cap : 64;
    while (cap < node->flat_len + more)
        cap *= 2;
    double *grown = PyMem_Realloc(node->flat, (size_t)cap * sizeof(double));
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    node->flat = grown;
    node->flat_cap = cap;
    return 0;
}

static int store_list(Node *node, PyObject *value) {
    if (PyList_CheckExact(value) || PyTuple_CheckExact(value)) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(value);
        if (flat_reserve(node, n) < 0)
            return -1;
        PyObject **items = PySequence_Fast_ITEMS(value);
        for (Py_ssize_t i = 0; i < n; i++)
            if (as_double(items[i], node->flat + node->flat_len + i) < 0)
                return -1;
        node->flat_len += n;
        return 0;
    }
    if (!PyObject_CheckBuffer(value))
        return fallback("list value is neither a sequence nor a buffer");
    Py_buffer view;
    if (PyObject_GetBuffer(value, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    int ok = view.ndim == 1 && view.itemsize == 8 && view.format != NULL && strcmp(view.format, "d") == 0;
    Py_ssize_t n = ok ? view.len / 8 : 0;
    if (ok && flat_reserve(node, n) == 0) {
        memcpy(node->flat + node->flat_len, view.buf, (size_t)view.len);
        node->flat_len += n;
    } else if (!PyErr_Occurred())
        fallback("buffer is not float64");
    PyBuffer_Release(&view);
    return PyErr_Occurred() ? -1 : 0;
}

/* One node of one row: value is a new reference or NULL (a null parent); parents[] keeps structs. */
static int visit(Node *node, Py_ssize_t row, PyObject *value, PyObject **slot) {
    int null = value == NULL || value == Py_None;
    if (null) {
        node->nulls++;
        node->valid[row >> 3] &= (uint8_t)~(1u << (row & 7));
    }
    switch (node->kind) {
    case STRUCT:
        *slot = null ? NULL : value;
        Py_XINCREF(*slot);
        return 0;
    case OBJECT: {
        PyObject *item = null ? Py_None : value;
        Py_INCREF(item);
        PyList_SET_ITEM(node->objects, row, item);
        return 0;
    }
    case LIST_F64: {
        int32_t end;
        if (!null && store_list(node, value) < 0)
            return -1;
        if (node->flat_len > INT32_MAX)
            return fallback("list values over int32 offsets");
        end = (int32_t)node->flat_len;
        memcpy(node->data + (row + 1) * 4, &end, 4);
        return 0;
    }
    default:
        if (null) {
            memset(node->data + row * WIDTH[node->kind], 0, (size_t)WIDTH[node->kind]);
            return 0;
        }
        return store_number(node, row, value);
    }
}

static int walk_row(Node *nodes, Py_ssize_t count, Py_ssize_t row, PyObject *item, PyObject **slots) {
    int status = 0;
    for (Py_ssize_t i = 0; i < count && status == 0; i++) {
        Node *node = &nodes[i];
        PyObject *parent = node->parent < 0 ? item : slots[node->parent];
        PyObject *value = parent == NULL ? NULL : read_field(parent, node->getter, node->caches);
        if (parent != NULL && value == NULL)
            status = -1;
        else
            status = visit(node, row, value, &slots[i]);
        Py_XDECREF(value);
    }
    for (Py_ssize_t i = 0; i < count; i++)
        Py_CLEAR(slots[i]);
    return status;
}

static PyObject *node_result(Node *node) {
    PyObject *valid = node->nulls > 0 ? node->valid_bytes : Py_None;
    switch (node->kind) {
    case STRUCT:
        return Py_BuildValue("(On)", valid, node->nulls);
    case OBJECT:
        Py_INCREF(node->objects);
        return node->objects;
    case LIST_F64:
        return Py_BuildValue("(ONOn)", node->data_bytes,
                             PyBytes_FromStringAndSize((const char *)node->flat, node->flat_len * 8), valid,
                             node->nulls);
    default:
        return Py_BuildValue("(OOn)", node->data_bytes, valid, node->nulls);
    }
}

static int new_bytes(PyObject **object, char **data, Py_ssize_t size) {
    if ((*object = PyBytes_FromStringAndSize(NULL, size)) == NULL)
        return -1;
    *data = PyBytes_AS_STRING(*object);
    return 0;
}

static int node_init(Node *node, PyObject *spec, Py_ssize_t index, Py_ssize_t rows) {
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 3) {
        PyErr_SetString(PyExc_TypeError, "program node must be (parent, getter, kind)");
        return -1;
    }
    node->parent = PyLong_AsSsize_t(PyTuple_GET_ITEM(spec, 0));
    node->getter = PyTuple_GET_ITEM(spec, 1);
    node->kind = (int)PyLong_AsLong(PyTuple_GET_ITEM(spec, 2));
    if (PyErr_Occurred())
        return -1;
    if (node->parent >= index || node->kind < 0 || node->kind >= KIND_COUNT) {
        PyErr_SetString(PyExc_ValueError, "program node refers forward or has an unknown kind");
        return -1;
    }
    Py_ssize_t names = PyTuple_Check(node->getter) ? PyTuple_GET_SIZE(node->getter) : 1;
    if ((node->caches = PyMem_Calloc(names ? names : 1, sizeof(TypeCache))) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t bitmap = (rows + 7) / 8;
    if (new_bytes(&node->valid_bytes, (char **)&node->valid, bitmap) < 0)
        return -1;
    memset(node->valid, 0xff, bitmap);
    Py_ssize_t size = node->kind == LIST_F64 ? (rows + 1) * 4 : rows * WIDTH[node->kind];
    if (new_bytes(&node->data_bytes, &node->data, size) < 0)
        return -1;
    if (node->kind == LIST_F64)
        memset(node->data, 0, 4); /* the first offset; each row writes its end */
    if (node->kind == OBJECT && (node->objects = PyList_New(rows)) == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < rows && node->kind == OBJECT; i++) {
        Py_INCREF(Py_None);
        PyList_SET_ITEM(node->objects, i, Py_None);
    }
    return 0;
}

static void nodes_free(Node *nodes, Py_ssize_t count) {
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_XDECREF(nodes[i].data_bytes);
        Py_XDECREF(nodes[i].valid_bytes);
        PyMem_Free(nodes[i].flat);
        PyMem_Free(nodes[i].caches);
        Py_XDECREF(nodes[i].objects);
    }
    PyMem_Free(nodes);
}

static PyObject *gather(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *items, *program, *result = NULL;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &items, &PyTuple_Type, &program))
        return NULL;
    Py_ssize_t rows = PyList_GET_SIZE(items), count = PyTuple_GET_SIZE(program);
    Node *nodes = PyMem_Calloc(count ? count : 1, sizeof(Node));
    PyObject **slots = PyMem_Calloc(count ? count : 1, sizeof(PyObject *));
    if (nodes == NULL || slots == NULL) {
        PyMem_Free(slots);
        PyMem_Free(nodes);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < count; i++)
        if (node_init(&nodes[i], PyTuple_GET_ITEM(program, i), i, rows) < 0)
            goto done;
    for (Py_ssize_t row = 0; row < rows; row++)
        if (walk_row(nodes, count, row, PyList_GET_ITEM(items, row), slots) < 0)
            goto done;
    if ((result = PyList_New(count)) == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *entry = node_result(&nodes[i]);
        if (entry == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, entry);
    }
done:
    PyMem_Free(slots);
    nodes_free(nodes, count);
    return result;
}

static PyMethodDef methods[] = {
    {"gather", gather, METH_VARARGS, "gather(items: list, program: tuple) -> list (see the module source)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_gather", "The columnar encoder's inner loop.", -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__gather(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    GetattributeName = PyUnicode_InternFromString("__getattribute__");
    GenericGetattribute = GetattributeName ? _PyType_Lookup(&PyBaseObject_Type, GetattributeName) : NULL;
    if (GenericGetattribute == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    Fallback = PyErr_NewException("mosaico_ros_bridge.ontology._gather.Fallback", PyExc_Exception, NULL);
    if (Fallback == NULL || PyModule_AddObjectRef(m, "Fallback", Fallback) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    for (int kind = 0; kind < KIND_COUNT; kind++)
        if (PyModule_AddIntConstant(m, KIND_NAME[kind], kind) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    return m;
}
