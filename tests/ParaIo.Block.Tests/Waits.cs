namespace ParaIo.Block.Tests;

/// <summary>Every wait in these tests ends: a hung data path (or SAN client) fails the test instead of the run. Shared with the SAN tests.</summary>
internal static class Waits
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    public static Task Within(this ValueTask task) => task.AsTask().WaitAsync(Limit);

    public static Task Within(this Task task) => task.WaitAsync(Limit);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Limit);

    /// <summary>Polls <paramref name="condition"/> until it holds; false if it never does within the limit.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? Limit);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(5);
        }

        return true;
    }
}
