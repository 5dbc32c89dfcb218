using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;

namespace ParaIo.Ctl.Rendering;

/// <summary>
/// Where one run of paraioctl writes: Spectre.Console tables and trees for people, JSON for
/// scripts, both on stdout; failures on stderr.
/// </summary>
internal sealed class CtlConsole
{
    /// <summary>
    /// Columns when stdout is not a terminal (a pipe, a file, a test): wide enough that tables of
    /// store paths are not wrapped for grep, which the 80 Spectre assumes would do.
    /// </summary>
    public const int RedirectedWidth = 240;

    private static readonly JsonWriterOptions s_indented = new()
    {
        Indented = true,

        // Output for a terminal or a script, never embedded in HTML: keep non-ASCII names readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonWriterOptions s_compact = s_indented with { Indented = false };

    public CtlConsole(TextWriter stdout, TextWriter stderr)
    {
        Out = stdout;
        Error = stderr;
        var output = new AnsiConsoleOutput(stdout);
        var terminal = output.IsTerminal;
        Ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = output,
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
        {
            Ansi.Profile.Width = RedirectedWidth;
        }
    }

    /// <summary>stdout, for plain lines (a value, a watch event) that must not be wrapped or styled.</summary>
    public TextWriter Out { get; }

    /// <summary>stderr.</summary>
    public TextWriter Error { get; }

    /// <summary>stdout as Spectre.Console sees it, for tables and trees.</summary>
    public IAnsiConsole Ansi { get; }

    /// <summary>Reports an expected failure as <c>paraioctl: message</c>.</summary>
    public void Fail(string message) => Error.WriteLine($"{CtlApp.ProgramName}: {message}");

    /// <summary>Writes one JSON value, indented, and a newline.</summary>
    public void WriteJson(JsonElement value) => WriteJson(writer => value.WriteTo(writer));

    /// <summary>Writes one JSON document built by <paramref name="write"/>: indented, or on one line for a stream of events (JSON Lines).</summary>
    public void WriteJson(Action<Utf8JsonWriter> write, bool indented = true)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, indented ? s_indented : s_compact))
        {
            write(writer);
        }

        Out.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
        Out.Flush();
    }
}
