//! The default allowlists: which modules strategy code may import and which attribute paths of
//! each module it may reach. Curated by hand: a module's namespace also holds the modules it
//! imported (`statistics.sys`, `contextlib.os`), so only the names listed here are reachable.

/// Modules importable by default. A dotted entry (`numpy.linalg`) allows that submodule import.
pub(crate) const IMPORTS: &[&str] = &[
    "__future__",
    "abc",
    "bisect",
    "calendar",
    "cmath",
    "collections",
    "collections.abc",
    "contextlib",
    "copy",
    "dataclasses",
    "datetime",
    "dateutil",
    "dateutil.parser",
    "dateutil.relativedelta",
    "decimal",
    "enum",
    "finlab",
    "fractions",
    "functools",
    "heapq",
    "io",
    "itertools",
    "json",
    "math",
    "numbers",
    "numpy",
    "numpy.fft",
    "numpy.linalg",
    "numpy.random",
    "numpy.typing",
    "operator",
    "pandas",
    "pandas.api.types",
    "pandas.tseries.frequencies",
    "pandas.tseries.offsets",
    "pprint",
    "random",
    "re",
    "statistics",
    "string",
    "textwrap",
    "time",
    "types",
    "typing",
    "warnings",
    "zoneinfo",
];

/// Attribute paths reachable on each module, relative to the module. An entry is a value (a
/// class, function or constant): attributes past it are ordinary value attributes. Intermediate
/// names (`random` in `random.default_rng`) are namespaces, not values.
pub(crate) const ATTRIBUTES: &[(&str, &str)] = &[
    (
        "__future__",
        "annotations division absolute_import print_function generator_stop",
    ),
    (
        "abc",
        "ABC abstractmethod abstractproperty abstractclassmethod abstractstaticmethod",
    ),
    (
        "bisect",
        "bisect bisect_left bisect_right insort insort_left insort_right",
    ),
    (
        "calendar",
        "monthrange isleap leapdays weekday monthcalendar month_name month_abbr day_name \
         day_abbr MONDAY TUESDAY WEDNESDAY THURSDAY FRIDAY SATURDAY SUNDAY timegm Calendar \
         TextCalendar",
    ),
    (
        "cmath",
        "phase polar rect exp log log10 sqrt acos asin atan cos sin tan acosh asinh atanh \
         cosh sinh tanh isfinite isinf isnan isclose pi e tau inf infj nan nanj",
    ),
    (
        "collections",
        "Counter OrderedDict defaultdict deque namedtuple ChainMap UserDict UserList \
         UserString abc.Mapping abc.MutableMapping abc.Sequence abc.MutableSequence \
         abc.Iterable abc.Iterator abc.Generator abc.Callable abc.Set abc.MutableSet \
         abc.Hashable abc.Sized abc.Container abc.Collection abc.Reversible abc.KeysView \
         abc.ItemsView abc.ValuesView abc.MappingView",
    ),
    (
        "contextlib",
        "contextmanager suppress nullcontext closing ExitStack ContextDecorator",
    ),
    ("copy", "copy deepcopy Error"),
    (
        "dataclasses",
        "dataclass field fields asdict astuple replace is_dataclass InitVar \
         FrozenInstanceError KW_ONLY MISSING",
    ),
    (
        "datetime",
        "date datetime time timedelta timezone tzinfo MINYEAR MAXYEAR UTC",
    ),
    (
        "decimal",
        "Decimal getcontext setcontext localcontext Context ROUND_DOWN ROUND_HALF_UP ROUND_HALF_EVEN \
         ROUND_CEILING ROUND_FLOOR ROUND_UP ROUND_HALF_DOWN ROUND_05UP InvalidOperation \
         DivisionByZero Overflow Underflow Inexact Rounded DecimalException BasicContext \
         ExtendedContext DefaultContext MAX_PREC MAX_EMAX MIN_EMIN",
    ),
    (
        "dateutil",
        "relativedelta.relativedelta relativedelta.MO relativedelta.TU relativedelta.WE \
         relativedelta.TH relativedelta.FR relativedelta.SA relativedelta.SU parser.parse \
         parser.isoparse parser.ParserError",
    ),
    ("enum", "Enum IntEnum Flag IntFlag StrEnum auto unique"),
    ("finlab", "data.get data.DataNotFound backtest"),
    ("fractions", "Fraction"),
    (
        "functools",
        "reduce partial partialmethod lru_cache cache cached_property wraps \
         update_wrapper total_ordering cmp_to_key singledispatch singledispatchmethod",
    ),
    (
        "heapq",
        "heappush heappop heapify heapreplace heappushpop nlargest nsmallest merge",
    ),
    ("io", "StringIO BytesIO"),
    (
        "itertools",
        "accumulate batched chain combinations combinations_with_replacement compress \
         count cycle dropwhile filterfalse groupby islice pairwise permutations product \
         repeat starmap takewhile tee zip_longest",
    ),
    (
        "json",
        "dumps loads dump load JSONDecodeError JSONEncoder JSONDecoder",
    ),
    (
        "math",
        "acos acosh asin asinh atan atan2 atanh cbrt ceil comb copysign cos cosh degrees \
         dist e erf erfc exp exp2 expm1 fabs factorial floor fma fmod frexp fsum gamma gcd \
         hypot inf isclose isfinite isinf isnan isqrt lcm ldexp lgamma log log10 log1p log2 \
         modf nan nextafter perm pi pow prod radians remainder sin sinh sqrt sumprod tan \
         tanh tau trunc ulp",
    ),
    ("numbers", "Number Complex Real Rational Integral"),
    (
        "numpy",
        "array asarray asanyarray asarray_chkfinite ascontiguousarray arange linspace \
         logspace geomspace zeros ones empty full zeros_like ones_like empty_like full_like \
         lib.stride_tricks.sliding_window_view \
         eye identity diag diagonal diagflat tri tril triu where select piecewise clip abs \
         absolute sign signbit copysign heaviside sqrt square cbrt exp exp2 expm1 log log2 \
         log10 log1p logaddexp logaddexp2 power float_power sin cos tan arcsin arccos arctan \
         arctan2 sinh cosh tanh arcsinh arccosh arctanh hypot degrees radians deg2rad \
         rad2deg floor ceil trunc rint round around fix mod fmod remainder divmod \
         floor_divide true_divide divide multiply add subtract negative positive reciprocal \
         maximum minimum fmax fmin sum nansum prod nanprod cumsum cumprod nancumsum \
         nancumprod cumulative_sum cumulative_prod mean nanmean median nanmedian std nanstd \
         var nanvar min max nanmin nanmax amin amax argmin argmax nanargmin nanargmax \
         argsort sort lexsort partition argpartition searchsorted ptp percentile \
         nanpercentile quantile nanquantile average cov corrcoef correlate convolve \
         histogram histogram2d histogramdd histogram_bin_edges bincount digitize diff \
         ediff1d gradient trapz trapezoid interp isnan isinf isfinite isposinf isneginf \
         nan_to_num isclose allclose array_equal array_equiv equal not_equal less \
         less_equal greater greater_equal logical_and logical_or logical_not logical_xor \
         bitwise_and bitwise_or bitwise_xor invert all any nonzero flatnonzero \
         count_nonzero argwhere unique in1d isin intersect1d union1d setdiff1d setxor1d \
         concatenate concat stack vstack hstack dstack column_stack row_stack split \
         array_split hsplit vsplit dsplit reshape ravel transpose swapaxes moveaxis \
         rollaxis expand_dims squeeze atleast_1d atleast_2d atleast_3d broadcast_to \
         broadcast_arrays tile repeat roll flip fliplr flipud rot90 append insert delete \
         resize pad take take_along_axis put_along_axis choose compress extract copyto copy \
         dot vdot inner outer matmul tensordot einsum kron cross trace meshgrid mgrid ogrid \
         indices unravel_index ravel_multi_index ndindex ndenumerate vectorize \
         apply_along_axis apply_over_axes polyfit polyval poly1d roots polyder polyint \
         sinc gcd lcm nan inf pi e euler_gamma newaxis NaN NAN NINF PINF Inf Infinity \
         float16 float32 float64 int8 int16 int_ float_ double single half intc uint \
         longlong ulonglong short ushort byte ubyte longdouble cdouble csingle matrix \
         block fill_diagonal diag_indices triu_indices tril_indices triu_indices_from \
         tril_indices_from isnat busdaycalendar ix_ r_ c_ s_ frexp \
         ldexp modf nextafter spacing product cumproduct alltrue sometrue \
         int32 int64 uint8 uint16 uint32 uint64 bool_ intp uintp complex64 complex128 str_ \
         bytes_ object_ datetime64 timedelta64 ndarray dtype generic number integer \
         floating signedinteger unsignedinteger inexact complexfloating finfo iinfo \
         errstate seterr geterr isscalar ndim shape size result_type promote_types \
         can_cast issubdtype isreal iscomplex real imag conj conjugate angle busday_count \
         busday_offset is_busday datetime_as_string fromiter format_float_positional \
         array2string array_repr array_str set_printoptions get_printoptions printoptions \
         load save savez savez_compressed loadtxt savetxt genfromtxt fromfile \
         random.default_rng random.Generator random.PCG64 random.SeedSequence random.seed \
         random.rand random.randn random.randint random.random random.random_sample \
         random.choice random.shuffle random.permutation random.normal random.uniform \
         random.standard_normal random.lognormal random.exponential random.poisson \
         random.binomial random.beta random.gamma random.multivariate_normal \
         random.standard_t random.chisquare random.laplace random.logistic \
         random.geometric random.dirichlet random.RandomState random.triangular \
         random.weibull random.pareto random.power random.rayleigh random.gumbel random.f \
         random.hypergeometric random.negative_binomial random.vonmises random.wald \
         random.zipf random.multinomial random.standard_cauchy random.standard_exponential \
         random.standard_gamma random.MT19937 random.Philox random.SFC64 \
         random.BitGenerator random.integers \
         linalg.inv linalg.pinv linalg.solve linalg.lstsq linalg.det linalg.slogdet \
         linalg.eig linalg.eigh linalg.eigvals linalg.eigvalsh linalg.svd linalg.qr \
         linalg.cholesky linalg.norm linalg.matrix_rank linalg.matrix_power linalg.cond \
         linalg.multi_dot linalg.LinAlgError linalg.tensorsolve linalg.tensorinv \
         linalg.vector_norm linalg.matrix_norm linalg.svdvals \
         fft.fft fft.ifft fft.rfft fft.irfft fft.fftfreq fft.rfftfreq fft.fftshift \
         lib.stride_tricks.sliding_window_view typing.NDArray typing.ArrayLike \
         typing.DTypeLike ma.masked_invalid ma.masked_where ma.masked_array ma.array \
         ma.masked ma.MaskedArray ma.getmaskarray ma.filled",
    ),
    (
        "operator",
        "add sub mul truediv floordiv mod pow neg pos abs eq ne lt le gt ge and_ or_ xor \
         not_ truth itemgetter attrgetter methodcaller index concat contains countOf \
         indexOf getitem matmul inv invert lshift rshift is_ is_not length_hint iadd isub \
         imul itruediv",
    ),
    (
        "pandas",
        "DataFrame Series Index MultiIndex DatetimeIndex TimedeltaIndex PeriodIndex \
         RangeIndex CategoricalIndex IntervalIndex Categorical Timestamp Timedelta Period \
         Interval DateOffset NaT NA NamedAgg IndexSlice Grouper CategoricalDtype \
         DatetimeTZDtype Int64Dtype Int32Dtype Float64Dtype BooleanDtype StringDtype \
         Int8Dtype Int16Dtype UInt8Dtype UInt16Dtype UInt32Dtype UInt64Dtype Float32Dtype \
         IntervalDtype PeriodDtype ArrowDtype value_counts describe_option \
         concat merge merge_asof merge_ordered date_range bdate_range period_range \
         timedelta_range interval_range to_datetime to_timedelta to_numeric isna isnull \
         notna notnull cut qcut get_dummies from_dummies crosstab pivot pivot_table melt \
         wide_to_long unique factorize infer_freq json_normalize set_option get_option \
         option_context reset_option array read_csv read_parquet read_json read_excel \
         read_feather read_table read_fwf read_hdf read_orc read_stata read_xml \
         options.display options.mode options.future \
         offsets.BDay offsets.BusinessDay offsets.BMonthEnd offsets.BMonthBegin \
         offsets.BusinessMonthEnd offsets.BusinessMonthBegin offsets.MonthEnd \
         offsets.MonthBegin offsets.QuarterEnd offsets.QuarterBegin offsets.BQuarterEnd \
         offsets.BQuarterBegin offsets.YearEnd offsets.YearBegin offsets.BYearEnd \
         offsets.BYearBegin offsets.Week offsets.WeekOfMonth offsets.LastWeekOfMonth \
         offsets.Day offsets.Hour offsets.Minute offsets.Second offsets.Milli \
         offsets.Micro offsets.Nano offsets.DateOffset offsets.CustomBusinessDay \
         offsets.CDay offsets.SemiMonthEnd offsets.SemiMonthBegin offsets.Easter \
         offsets.BusinessHour offsets.Tick \
         tseries.offsets.BDay tseries.offsets.BusinessDay tseries.offsets.BMonthEnd \
         tseries.offsets.BMonthBegin tseries.offsets.BusinessMonthEnd \
         tseries.offsets.BusinessMonthBegin tseries.offsets.MonthEnd \
         tseries.offsets.MonthBegin tseries.offsets.QuarterEnd tseries.offsets.QuarterBegin \
         tseries.offsets.BQuarterEnd tseries.offsets.BQuarterBegin tseries.offsets.YearEnd \
         tseries.offsets.YearBegin tseries.offsets.BYearEnd tseries.offsets.BYearBegin \
         tseries.offsets.Week tseries.offsets.WeekOfMonth tseries.offsets.LastWeekOfMonth \
         tseries.offsets.Day tseries.offsets.Hour tseries.offsets.Minute \
         tseries.offsets.Second tseries.offsets.Milli tseries.offsets.Micro \
         tseries.offsets.Nano tseries.offsets.DateOffset tseries.offsets.CustomBusinessDay \
         tseries.offsets.CDay tseries.offsets.SemiMonthEnd tseries.offsets.SemiMonthBegin \
         tseries.offsets.Easter tseries.offsets.BusinessHour tseries.offsets.Tick \
         api.indexers.BaseIndexer api.indexers.FixedForwardWindowIndexer \
         api.indexers.VariableOffsetWindowIndexer tseries.holiday.USFederalHolidayCalendar \
         tseries.holiday.AbstractHolidayCalendar tseries.holiday.Holiday \
         tseries.holiday.USMartinLutherKingJr tseries.holiday.USPresidentsDay \
         tseries.holiday.USMemorialDay tseries.holiday.USLaborDay \
         tseries.holiday.USThanksgivingDay tseries.holiday.GoodFriday \
         tseries.holiday.EasterMonday tseries.holiday.nearest_workday \
         tseries.holiday.sunday_to_monday tseries.holiday.next_monday \
         tseries.holiday.previous_friday tseries.holiday.weekend_to_monday \
         api.types.is_numeric_dtype api.types.is_bool_dtype \
         api.types.is_datetime64_any_dtype api.types.is_datetime64_dtype \
         api.types.is_float_dtype api.types.is_integer_dtype api.types.is_string_dtype \
         api.types.is_object_dtype api.types.is_categorical_dtype api.types.is_list_like \
         api.types.is_scalar api.types.is_number api.types.is_dict_like \
         api.types.infer_dtype api.types.is_float api.types.is_integer api.types.is_bool \
         api.types.pandas_dtype api.types.CategoricalDtype \
         errors.EmptyDataError errors.ParserError errors.PerformanceWarning \
         errors.SettingWithCopyWarning errors.MergeError errors.OutOfBoundsDatetime \
         errors.InvalidIndexError errors.IntCastingNaNError errors.DataError \
         errors.UndefinedVariableError errors.NullFrequencyError \
         api.types.is_timedelta64_dtype api.types.is_period_dtype \
         api.types.is_extension_array_dtype api.types.is_hashable \
         tseries.frequencies.to_offset",
    ),
    ("pprint", "pprint pformat pp PrettyPrinter"),
    (
        "random",
        "random uniform randint randrange choice choices shuffle sample seed gauss \
         normalvariate lognormvariate expovariate betavariate gammavariate triangular \
         vonmisesvariate paretovariate weibullvariate binomialvariate getrandbits Random",
    ),
    (
        "re",
        "compile match search fullmatch findall finditer sub subn split escape IGNORECASE \
         I MULTILINE M DOTALL S VERBOSE X ASCII A UNICODE U Pattern Match error",
    ),
    (
        "statistics",
        "mean fmean geometric_mean harmonic_mean median median_low median_high \
         median_grouped mode multimode pstdev pvariance stdev variance quantiles covariance \
         correlation linear_regression NormalDist StatisticsError",
    ),
    (
        "string",
        "ascii_letters ascii_lowercase ascii_uppercase digits hexdigits octdigits \
         punctuation printable whitespace capwords Template",
    ),
    ("textwrap", "dedent indent wrap fill shorten TextWrapper"),
    (
        "time",
        "time time_ns perf_counter perf_counter_ns monotonic monotonic_ns process_time \
         process_time_ns sleep strftime strptime gmtime localtime mktime struct_time ctime \
         asctime",
    ),
    ("types", "SimpleNamespace MappingProxyType"),
    (
        "typing",
        "Any Callable Dict List Tuple Set FrozenSet Optional Union Iterable Iterator \
         Generator Sequence Mapping MutableMapping MutableSequence Type TypeVar Generic \
         Protocol NamedTuple TypedDict Literal Final ClassVar Annotated cast overload Deque \
         DefaultDict Counter OrderedDict ChainMap Awaitable Coroutine AsyncIterator \
         AsyncIterable AsyncGenerator NoReturn Never Self TypeAlias ParamSpec Concatenate \
         TypeGuard Hashable Sized Collection Container Reversible SupportsFloat SupportsInt \
         SupportsAbs SupportsIndex SupportsRound AbstractSet KeysView ValuesView ItemsView \
         Pattern Match AnyStr Text NewType runtime_checkable final no_type_check \
         TYPE_CHECKING Required NotRequired Unpack TypeVarTuple LiteralString assert_never \
         assert_type reveal_type override get_origin get_args ContextManager \
         AsyncContextManager MutableSet",
    ),
    (
        "warnings",
        "warn filterwarnings simplefilter catch_warnings resetwarnings",
    ),
    ("zoneinfo", "ZoneInfo ZoneInfoNotFoundError"),
];

/// The classes among [`ATTRIBUTES`] not named as classes are (capitalised, not in capitals
/// only) whose attributes can be set (classes written in Python, not built-in types): what,
/// with the names of classes, a program may hand around as a library class. Checked against
/// the sandbox images by the `library_classes` test, which looks at every allowed attribute.
pub(crate) const OTHERWISE_NAMED_CLASSES: &[&str] = &[
    "abc.ABC",
    "abc.abstractclassmethod",
    "abc.abstractproperty",
    "abc.abstractstaticmethod",
    "contextlib.closing",
    "contextlib.nullcontext",
    "contextlib.suppress",
    "dateutil.relativedelta.relativedelta",
    "enum.auto",
    "functools.cached_property",
    "functools.partialmethod",
    "functools.singledispatchmethod",
    "numpy.errstate",
    "numpy.finfo",
    "numpy.iinfo",
    "numpy.ma.masked_array",
    "numpy.matrix",
    "numpy.ndenumerate",
    "numpy.ndindex",
    "numpy.poly1d",
    "numpy.vectorize",
    "pandas.option_context",
    "re.error",
    "time.struct_time",
    "warnings.catch_warnings",
];

/// Allowed attributes named with a capital that are not classes whose attributes can be set:
/// classes built into the interpreter or compiled (`Py_TPFLAGS_IMMUTABLETYPE`), whose
/// attributes cannot be set. Handing them around lets no patchable class out. Checked against
/// both sandbox images by the `library_classes` test: a settable class listed here fails it.
/// (typing's aliases are not listed: a store on `typing.Counter` lands on
/// `collections.Counter`.)
pub(crate) const IMMUTABLE_CLASSES: &[&str] = &[
    "collections.OrderedDict",
    "decimal.Context",
    "decimal.Decimal",
    "io.BytesIO",
    "io.StringIO",
    "numpy.random.BitGenerator",
    "numpy.random.Generator",
    "numpy.random.Philox",
    "numpy.random.RandomState",
    "numpy.random.SeedSequence",
    "pandas.Interval",
    "re.Match",
    "re.Pattern",
    "types.MappingProxyType",
    "types.SimpleNamespace",
    "zoneinfo.ZoneInfo",
];

/// Allowed attributes that hold plain values, neither functions nor classes, besides those
/// named in capitals only (`re.IGNORECASE`, `decimal.ROUND_HALF_UP`): storing one anywhere
/// installs nothing callable. Checked against both sandbox images by the `library_classes`
/// test: a callable listed here fails it.
pub(crate) const LIBRARY_VALUES: &[&str] = &[
    "cmath.e",
    "cmath.inf",
    "cmath.infj",
    "cmath.nan",
    "cmath.nanj",
    "cmath.pi",
    "cmath.tau",
    "decimal.BasicContext",
    "decimal.DefaultContext",
    "decimal.ExtendedContext",
    "math.e",
    "math.inf",
    "math.nan",
    "math.pi",
    "math.tau",
    "numpy.Inf",
    "numpy.Infinity",
    "numpy.NaN",
    "numpy.e",
    "numpy.inf",
    "numpy.nan",
    "numpy.newaxis",
    "numpy.pi",
    "pandas.IndexSlice",
    "pandas.NaT",
];

/// Allowed attributes named in capitals only that can be called, unlike the constants so
/// named: bit generators (classes whose attributes cannot be set) and dateutil's weekdays.
/// Checked by the `library_classes` test, which finds every callable allowed attribute.
pub(crate) const CALLABLES_IN_CAPITALS: &[&str] = &[
    "dateutil.relativedelta.FR",
    "dateutil.relativedelta.MO",
    "dateutil.relativedelta.SA",
    "dateutil.relativedelta.SU",
    "dateutil.relativedelta.TH",
    "dateutil.relativedelta.TU",
    "dateutil.relativedelta.WE",
    "numpy.random.MT19937",
    "numpy.random.PCG64",
    "numpy.random.SFC64",
];

/// Path prefixes that literal file paths may normalise under.
pub(crate) const PATH_PREFIXES: &[&str] = &["/tmp/"];
