using System.Collections.Concurrent;
using ParaIo.Backend.Net;

namespace ParaIo.Net.Tests;

/// <summary>The fabric's vNIC catalog as NetBack sees it, filled in by a test.</summary>
internal sealed class VnicDirectory : IVnicDirectory
{
    private readonly ConcurrentDictionary<string, VnicBinding> _vnics = new(StringComparer.Ordinal);

    public VnicBinding Add(VnicBinding binding) => _vnics[binding.Name] = binding;

    public VnicBinding? Find(string vnic) => _vnics.GetValueOrDefault(vnic);
}
