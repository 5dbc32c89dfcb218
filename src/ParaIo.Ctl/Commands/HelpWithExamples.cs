using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace ParaIo.Ctl.Commands;

/// <summary>
/// System.CommandLine's help followed by the command's examples. Examples live here rather than in
/// descriptions, because a description is repeated in its parent's command list.
/// </summary>
internal sealed class HelpWithExamples : SynchronousCommandLineAction
{
    private readonly HelpAction _help;
    private readonly Dictionary<Command, string[]> _examples = [];

    public HelpWithExamples(HelpAction help)
    {
        _help = help;
    }

    public override bool ClearsParseErrors => true;

    public void Add(Command command, params string[] examples) => _examples[command] = examples;

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var exitCode = _help.Invoke(parseResult);
        if (_examples.TryGetValue(parseResult.CommandResult.Command, out var examples))
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(examples.Length == 1 ? "Example:" : "Examples:");
            foreach (var example in examples)
            {
                output.WriteLine($"  {example}");
            }

            output.WriteLine();
        }

        return exitCode;
    }
}
