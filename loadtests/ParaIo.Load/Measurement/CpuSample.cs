using System.Globalization;

namespace ParaIo.Load.Measurement;

/// <summary>
/// CPU time of the whole machine and of this pair of processes, from /proc. Two samples tell how
/// much of the two cores other processes took during a scenario: on a shared machine that is the
/// first thing to look at when figures move between runs.
/// </summary>
internal readonly record struct CpuSample(long MachineBusyTicks, long StealTicks, long OurTicks, long Timestamp)
{
    /// <summary>/proc reports in USER_HZ, which is 100 on every Linux architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    public static CpuSample Take(int peerId) =>
        ReadMachine() is var (busy, steal) ? new CpuSample(busy, steal, ReadProcess("self") + ReadProcess(peerId.ToString(CultureInfo.InvariantCulture)), Clock.Now) : default;

    /// <summary>
    /// A sample for a process tree: this process with the children it has reaped (fio after each
    /// job) and the live children named (nbdkit, paraiod, the guest), each with its own reaped children.
    /// </summary>
    public static CpuSample TakeTree(IEnumerable<int> liveChildren) =>
        ReadMachine() is var (busy, steal)
            ? new CpuSample(busy, steal, ReadProcess("self", withChildren: true) + liveChildren.Sum(id => ReadProcess(id.ToString(CultureInfo.InvariantCulture), withChildren: true)), Clock.Now)
            : default;

    /// <summary>Cores that other processes kept busy on average between two samples.</summary>
    public static double OtherCores(CpuSample from, CpuSample to) =>
        Cores((to.MachineBusyTicks - from.MachineBusyTicks) - (to.OurTicks - from.OurTicks), from, to);

    /// <summary>Cores the hypervisor took away (steal time) on average between two samples.</summary>
    public static double StolenCores(CpuSample from, CpuSample to) => Cores(to.StealTicks - from.StealTicks, from, to);

    private static double Cores(long ticks, CpuSample from, CpuSample to)
    {
        var seconds = Clock.Seconds(to.Timestamp - from.Timestamp);
        return seconds > 0 ? Math.Max(0, ticks / TicksPerSecond / seconds) : double.NaN;
    }

    private static (long Busy, long Steal) ReadMachine()
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long Field(int i) => i < fields.Length ? long.Parse(fields[i], CultureInfo.InvariantCulture) : 0;
            return (Field(1) + Field(2) + Field(3) + Field(6) + Field(7), Field(8));
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }

    private static long ReadProcess(string id, bool withChildren = false)
    {
        try
        {
            // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
            var text = File.ReadAllText($"/proc/{id}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            // cutime and cstime (16, 17) hold the children this process has waited for.
            long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
            return Field(11) + Field(12) + (withChildren ? Field(13) + Field(14) : 0);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
