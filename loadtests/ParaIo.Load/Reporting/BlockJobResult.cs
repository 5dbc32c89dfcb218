namespace ParaIo.Load.Reporting;

/// <summary>One fio job of <c>paraio-load blk</c> and what every target did in it.</summary>
/// <param name="Job">Its name (<c>--job</c>).</param>
/// <param name="Description">The access pattern, in words.</param>
/// <param name="Targets">paraio, nbdkit, file, and library mode where the job has it.</param>
internal sealed record BlockJobResult(string Job, string Description, IReadOnlyList<BlockTargetResult> Targets);
