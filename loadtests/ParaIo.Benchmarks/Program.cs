using BenchmarkDotNet.Running;

// The short job unless the caller picks one: a whole default run takes far too long on two cores.
var hasJob = args.Any(a => a is "--job" or "-j" || a.StartsWith("--job=", StringComparison.Ordinal));
BenchmarkSwitcher.FromAssembly(typeof(ParaIo.Benchmarks.SharedPool).Assembly).Run(hasJob ? args : [.. args, "--job", "short"]);
