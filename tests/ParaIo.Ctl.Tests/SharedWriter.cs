namespace ParaIo.Ctl.Tests;

/// <summary>A string writer a test may read while a command still writes to it from another thread.</summary>
internal sealed class SharedWriter
{
    private readonly StringWriter _inner = new() { NewLine = "\n" };

    public SharedWriter()
    {
        Writer = TextWriter.Synchronized(_inner);
    }

    /// <summary>Every write locks the writer itself (TextWriter.Synchronized), so reads lock it too.</summary>
    public TextWriter Writer { get; }

    public string Text
    {
        get
        {
            lock (Writer)
            {
                return _inner.ToString();
            }
        }
    }
}
