using System.CommandLine;
using System.Globalization;

namespace ParaIo.Ctl.Commands;

/// <summary>
/// Options the vNIC and vHBA commands share, and how they travel to paraiod: as <c>KEY=VALUE</c>
/// arguments, rates as the operator wrote them (paraiod reads and checks them).
/// </summary>
internal static class FabricArguments
{
    public const string RateHelp = "bits a second with K, M or G (200M, 1.5G); a bare number is Mb/s";

    public static Option<string?> Rate(string description) => new("--rate", "-r") { Description = $"{description}: {RateHelp}.", HelpName = "RATE" };

    public static Option<string?> Priority() => new("--priority", "-p") { Description = "Priority, 0 (highest) to 7: who gets the port's spare first (default 4).", HelpName = "0-7" };

    public static Option<string?> Port(string kind, string example) => new("--port") { Description = $"The {kind} port, MODULE/INDEX (see paraioctl module list), for example {example}.", HelpName = "MODULE/INDEX", Required = true };

    /// <summary>Adds <c>KEY=VALUE</c> for each option given; a repeated option adds one a value.</summary>
    public static void Add(List<string> arguments, string key, string? value)
    {
        if (value is not null)
        {
            arguments.Add($"{key}={value}");
        }
    }

    /// <summary>A burst option's size in bytes, as text (K, M, G are powers of 1024).</summary>
    public static string? Bytes(string? text) =>
        text is null ? null
        : ByteSize.TryParse(text, out var bytes) ? bytes.ToString(CultureInfo.InvariantCulture)
        : throw new CtlFailure(ExitCodes.Usage, $"'{text}' is not a size: write bytes, or a number with K or M (powers of 1024), for example 64K.");
}
