"""nablagrad: a deep-learning framework written from the math up, with PyTorch's API.

``import nablagrad as torch`` gives tensors with broadcasting and reverse-mode autograd on
NumPy (CuPy on NVIDIA GPUs), ``nn``, ``optim`` and ``utils.data``.

Example:
    >>> import nablagrad as torch
    >>> A = torch.arange(6).reshape(3, 2)
    >>> x = torch.tensor([1, 2])
    >>> torch.mv(A, x)
    tensor([ 2,  8, 14])
"""

from __future__ import annotations

from . import _validate, accelerator, backend, cuda
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import (
    bool_,
    channels_last,
    channels_last_3d,
    contiguous_format,
    device,
    dtype,
    float16,
    float32,
    float64,
    get_default_device,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    memory_format,
    preserve_format,
    set_default_device,
    set_default_dtype,
    uint8,
)
from .creation import (
    arange,
    as_tensor,
    asarray,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    frombuffer,
    full,
    full_like,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .ops.compare import (
    allclose,
    eq,
    equal,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
)
from .ops.elementwise import (
    abs,
    add,
    ceil,
    floor,
    round,
    trunc,
    clamp,
    cos,
    div,
    exp,
    expm1,
    floor_divide,
    lerp,
    log,
    log1p,
    log2,
    log10,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    reciprocal,
    relu,
    remainder,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    sub,
    tan,
    tanh,
    where,
)
from .ops.index import gather, index_select, masked_fill, masked_select, scatter
from .ops.linalg import (
    addmm,
    addmv,
    baddbmm,
    bmm,
    cross,
    dist,
    dot,
    einsum,
    inner,
    kron,
    matmul,
    mm,
    mv,
    outer,
    spmm,
    tensordot,
    vdot,
)
from .ops.linalg_fns import (
    cholesky,
    cholesky_inverse,
    cholesky_solve,
    det,
    inverse,
    logdet,
    matrix_exp,
    matrix_power,
    pinverse,
    qr,
    svd,
    triangular_solve,
    vander,
)
from .ops.linalg_fns import linalg_slogdet as slogdet
from .ops.linalg_fns import addbmm, addr, adjoint, cdist, chain_matmul, lu_unpack
from .ops.lapack_forms import geqrf, orgqr, ormqr
from .ops.lowrank import pca_lowrank, svd_lowrank
from .ops.linalg_fns import torch_lu as lu
from .ops.linalg_fns import torch_lu_solve as lu_solve
from .ops.layout import diagonal_scatter, select_scatter, slice_scatter
from .ops.index import (
    index_add,
    index_copy,
    index_fill,
    index_put,
    masked_scatter,
    scatter_add,
    scatter_reduce,
)
from .ops.inplace import i0_, relu_
from ._coo import layout, sparse_coo, strided
from .ops.sparse import hspmm, smm, sparse_coo_tensor, sspaddmm
from . import sparse
from .ops.dtypeinfo import can_cast, promote_types, result_type
from .ops.layout import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block_diag,
    broadcast_shapes,
    combinations,
    dsplit,
    hsplit,
    renorm,
    split_with_sizes,
    tensor_split,
    unravel_index,
    vsplit,
)
from .ops.special import (
    bitwise_and,
    bitwise_left_shift,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    fmax,
    fmin,
    frexp,
    gcd,
    i0,
    igamma,
    igammac,
    lcm,
    ldexp,
    mvlgamma,
    positive,
    rsub,
)
from .ops.compare import bitwise_not
from .ops.stats import (
    aminmax,
    corrcoef,
    cov,
    cummax,
    cummin,
    cumulative_trapezoid,
    gradient,
    histc,
    histogram,
    histogramdd,
    logcumsumexp,
    mode,
    nanmedian,
    nanquantile,
    quantile,
    std_mean,
    trapezoid,
    trapz,
    var_mean,
)
from .creation import (
    bartlett_window,
    binomial,
    blackman_window,
    hamming_window,
    hann_window,
    kaiser_window,
    poisson,
    scalar_tensor,
)
from .printing import set_printoptions
from .ops.reduce import (
    amax,
    amin,
    argmax,
    argmin,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    std,
    sum,
    var,
)
from .ops.shape import (
    broadcast_tensors,
    broadcast_to,
    cat,
    chunk,
    flatten,
    flip,
    movedim,
    narrow,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    t,
    transpose,
    unbind,
    unflatten,
    unsqueeze,
)
from .ops.elementwise import (
    copysign,
    fmod,
    xlogy,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atanh,
    cosh,
    erf,
    erfc,
    erfinv,
    lgamma,
    sinh,
)
from .ops.arrange import (
    cartesian_prod,
    clone,
    column_stack,
    diff,
    dstack,
    fliplr,
    flipud,
    hstack,
    meshgrid,
    ravel,
    repeat_interleave,
    roll,
    rot90,
    row_stack,
    select,
    take,
    take_along_dim,
    tile,
    vstack,
)
from .ops.dtypeinfo import (
    finfo,
    iinfo,
)
from .ops.legacy import as_strided, as_strided_scatter, index_reduce, put
from .ops.mathfns import (
    addcdiv,
    addcmul,
    atan2,
    clamp_max,
    clamp_min,
    cumprod,
    deg2rad,
    digamma,
    nextafter,
    exp2,
    float_power,
    frac,
    heaviside,
    hypot,
    isin,
    isneginf,
    isposinf,
    isreal,
    logaddexp,
    logaddexp2,
    logit,
    nan_to_num,
    polygamma,
    rad2deg,
    signbit,
    sinc,
)
from .ops.matrices import (
    diag,
    diag_embed,
    diagflat,
    diagonal,
    trace,
    tril,
    tril_indices,
    triu,
    triu_indices,
)
from .ops.sorting import (
    argsort,
    argwhere,
    bincount,
    bucketize,
    kthvalue,
    median,
    msort,
    nanmean,
    nansum,
    nonzero,
    searchsorted,
    sort,
    topk,
    unique,
    unique_consecutive,
)
from .parallel import get_num_threads, set_num_threads
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size, Tensor
from .storage import TypedStorage, UntypedStorage
from . import storage
from .tensortypes import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)

bool = bool_  # noqa: A001 - torch.bool
float = float32  # noqa: A001 - torch.float
double = float64
half = float16
long = int64
int = int32  # noqa: A001 - torch.int
short = int16
concat = cat
concatenate = cat
clip = clamp
multiply = mul
subtract = sub
divide = div
negative = neg
true_divide = div


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    """torch.swapaxes: ``transpose`` under NumPy's argument names."""
    return input.transpose(axis0, axis1)


greater = gt
less = lt
arcsin = asin
arccos = acos
arctan = atan
arcsinh = asinh
arccosh = acosh
arctanh = atanh
arctan2 = atan2
absolute = abs
sgn = sign
fix = trunc
swapdims = transpose
moveaxis = movedim
ger = outer
inf = __import__("math").inf
nan = __import__("math").nan
pi = 3.141592653589793
e = 2.718281828459045
newaxis = None
__version__ = "0.1.0"


def is_tensor(obj: object) -> bool:
    """True when ``obj`` is a nablagrad Tensor."""
    return isinstance(obj, Tensor)


def typename(obj: object, /) -> str:
    """The fully qualified name of ``obj``'s type (torch.typename): a tensor's legacy type
    name (``x.type()``), else ``module.QualifiedName`` of a class or of an object's class
    (builtins without the module).

    Example:
        >>> import nablagrad as torch
        >>> torch.typename(torch.tensor([1, 2]))
        'nablagrad.LongTensor'
        >>> torch.typename(3), torch.typename(torch.nn.Linear)
        ('int', 'nablagrad.nn.linear.Linear')
    """
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = type(obj).__module__ or ""
        qualname = type(obj).__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


def is_floating_point(x: Tensor) -> bool:
    return x.is_floating_point()


def numel(x: Tensor) -> int:
    return x.numel()


@_validate.numpy_names
def all(x: Tensor, dim: object = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return x.all(dim, keepdim)


@_validate.numpy_names
def any(x: Tensor, dim: object = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return x.any(dim, keepdim)


@_validate.numpy_names
def count_nonzero(x: Tensor, dim: object = None) -> Tensor:
    return x.count_nonzero(dim)


@_validate.numpy_names
def softmax(x: Tensor, dim: int, dtype: object = None) -> Tensor:  # noqa: F811
    return x.softmax(dim, dtype)


@_validate.numpy_names
def log_softmax(x: Tensor, dim: int, dtype: object = None) -> Tensor:  # noqa: F811
    return x.log_softmax(dim, dtype)


# Subpackages (one line each, so that new ones merge cleanly).
from . import autograd
from . import distributed
from . import models, nn
from . import optim
from . import distributions
from . import linalg
from . import datasets, utils
from .serialization import SerializationError, load, save
from . import backends
from .autograd.anomaly_mode import is_anomaly_enabled
from .runtime import (
    are_deterministic_algorithms_enabled,
    compile,
    is_deterministic_algorithms_warn_only_enabled,
    use_deterministic_algorithms,
)


from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, set_anomaly_enabled
from .runtime import (
    get_deterministic_debug_mode,
    get_float32_matmul_precision,
    get_num_interop_threads,
    is_warn_always_enabled,
    set_deterministic_debug_mode,
    set_float32_matmul_precision,
    set_flush_denormal,
    set_num_interop_threads,
    set_warn_always,
)
from .runtime import init_num_threads, is_storage, is_vulkan_available, set_default_tensor_type
from .utils.dlpack import from_dlpack, to_dlpack
from .creation import empty_permuted, empty_strided
from .creation import torch_range as range  # noqa: A001 - torch.range (deprecated)
from .ops.mathfns import angle
from .ops.toplevel import *  # noqa: F403 - torch's top-level forms of methods and views
from .ops.toplevel import INPLACE_METHODS as _INPLACE_METHODS
from .nn._toplevel import *  # noqa: F403 - torch's top-level nn functions (ATen signatures)

greater_equal = ge
less_equal = le
not_equal = ne


from . import amp  # torch.amp.GradScaler / autocast (and the legacy torch.cuda.amp)
from . import func  # torch.func: grad, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call
from .func import vmap
from .amp import autocast, is_autocast_enabled


# torch's ``out=`` keyword on the functions that take it in torch (creation.accepts_out); aliases
# (``multiply = mul``) keep pointing at the same wrapper.
def _add_out_keyword() -> None:
    import inspect

    from .creation import accepts_out

    wrapped: dict[int, object] = {}
    g = globals()
    for name in _OUT_FUNCTIONS.split():
        fn = g[name]
        if "out" in inspect.signature(fn).parameters:
            continue
        if id(fn) not in wrapped:
            wrapped[id(fn)] = accepts_out(fn)
        g[name] = wrapped[id(fn)]
    for name, fn in list(g.items()):  # other aliases of a wrapped function
        if callable(fn) and id(fn) in wrapped and not name.startswith("_"):
            g[name] = wrapped[id(fn)]


_OUT_FUNCTIONS = """
abs acos acosh add addbmm addcdiv addcmul addmm addmv addr all amax amin aminmax any asin asinh
atan atan2 atanh baddbmm bitwise_and bitwise_left_shift bitwise_not bitwise_or
bitwise_right_shift bitwise_xor bmm bucketize cat ceil clamp clip column_stack concat concatenate
copysign cos cosh cross cummax cummin cumprod cumsum deg2rad diag diff digamma div divide dot
dstack eq erf erfc erfinv exp exp2 expm1 fix float_power floor floor_divide fmax fmin fmod frac
frexp gather gcd ge ger greater gt heaviside histc hstack hypot i0 igamma igammac index_select
inner isneginf isposinf kron kthvalue lcm ldexp le lerp less lgamma log log10 log1p log2
logaddexp logaddexp2 logcumsumexp logical_and logical_not logical_or logical_xor logit logsumexp
lt masked_select matmul max maximum mean min minimum mm mode msort mul multiply mv mvlgamma
nan_to_num nanmean nanquantile ne neg negative nextafter nonzero norm outer polygamma pow
quantile rad2deg reciprocal remainder renorm round row_stack rsqrt searchsorted sgn sigmoid sign
signbit sin sinc sinh sort sqrt square stack std sub subtract take_along_dim tan tanh tensordot
topk tril triu trunc var vdot vstack where xlogy
sum prod argmax argmin nansum median nanmedian softmax log_softmax index_add angle narrow_copy
take scatter scatter_add
"""
_add_out_keyword()


# torch's keyword names for the first arguments (``torch.abs(input=x)``, ``torch.mm(input=a,
# mat2=b)``): per line a function, then ``ours:torch's`` for each renamed parameter (several
# torch names after commas where torch's overloads name it differently).  The list is checked
# against torch's signatures by tests/meta/test_signatures.py.
def _add_torch_keywords() -> None:
    wrapped: dict[tuple, object] = {}
    g = globals()
    for line in _TORCH_KEYWORDS.strip().splitlines():
        name, *pairs = line.split()
        names = {ours: tuple(th.split(",")) for ours, th in (pr.split(":") for pr in pairs)}
        key = (id(g[name]), line.partition(" ")[2])
        if key not in wrapped:
            wrapped[key] = _validate.torch_keywords(g[name], names)
        g[name] = wrapped[key]


_TORCH_KEYWORDS = """
add a:input b:other
all x:input
allclose a:input b:other
amax x:input
amin x:input
any x:input
argmax x:input
argmin x:input
bernoulli p:input
bitwise_not x:input
bmm a:input b:mat2
broadcast_to x:input
cholesky_inverse L:input
cholesky_solve B:input L:input2
chunk x:input
clamp x:input
clip x:input
count_nonzero x:input
cumsum x:input
deg2rad x:input
det A:input
digamma x:input
div a:input b:other
divide a:input b:other
dot a:input b:tensor
eq a:input b:other
equal a:input b:other
exp2 x:input
flatten x:input
flip x:input
floor_divide a:input b:other
frac x:input
gather x:input
ge a:input b:other
ger a:input b:vec2
greater a:input b:other
greater_equal a:input b:other
gt a:input b:other
index_select x:input
is_floating_point x:input
isclose a:input b:other
isfinite x:input
isinf x:input
isnan x:input
le a:input b:other
lerp start:input
less a:input b:other
less_equal a:input b:other
log10 x:input
log2 x:input
log_softmax x:input
logical_and a:input b:other
logical_not x:input
logical_or a:input b:other
logical_xor a:input b:other
logit x:input
logsumexp x:input
lt a:input b:other
lu_solve b:input
masked_fill x:input
masked_select x:input
matmul a:input b:other
matrix_exp A:input
matrix_power A:input
max x:input
mean x:input
min x:input
mm a:input b:mat2
moveaxis x:input
movedim x:input
multinomial probs:input
mv a:input v:vec
narrow x:input
ne a:input b:other
not_equal a:input b:other
norm x:input
numel x:input
outer a:input b:vec2
permute x:input
polygamma x:input
pow a:input b:exponent
prod x:input
rad2deg x:input
reciprocal x:input
relu_ self:input
remainder a:input b:other
reshape x:input
round x:input
rsqrt x:input
scatter x:input
set_default_device d:device
set_rng_state state:new_state
sinc x:input
slogdet A:input
softmax x:input
split x:tensor
square x:input
squeeze x:input
std x:input
sub a:input b:other
subtract a:input b:other
sum x:input
swapdims x:input
t x:input
tan x:input
transpose x:input
true_divide a:input b:other
unbind x:input
unflatten x:input
unsqueeze x:input
var x:input
where cond:condition a:input b:other
"""
_add_torch_keywords()

# Applications load when first used (``nablagrad.text``), so ``import nablagrad`` stays light and
# the core never imports them: one name per line, so that new ones merge cleanly.
_LAZY_SUBPACKAGES = {
    "neighbors",
    "tuning",
    "text",
    "lab",
    "vision",
    "alias",
    "onnx",
    "viz",
    "ensemble",
    "special",
    "testing",
    "multiprocessing",
    "profiler",
    "xpu",
    "jit",
    "compiler",
    "types",
}


def __getattr__(name: str) -> object:
    if name in _LAZY_SUBPACKAGES:
        import importlib

        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_SUBPACKAGES)


def install_as_torch() -> None:
    """Register nablagrad as ``torch`` and ``torchvision`` for every later import.

    Scripts and the libraries they import (such as ``d2l``) then run on nablagrad unchanged;
    see ``nablagrad.alias`` and ``nablagrad run script.py``.
    """
    __getattr__("alias").install_as_torch()
