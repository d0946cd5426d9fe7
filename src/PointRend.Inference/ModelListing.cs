using PointRend.Contracts.V1;

namespace PointRend.Inference;

/// <summary>ListModels' answer, built from model.json data alone so gateway (with or without sessions) and worker agree.</summary>
public static class ModelListing
{
    /// <param name="executionProvider">The answering process's provider; empty where it runs no model (distributed gateway).</param>
    public static ListModelsResponse From(ModelManifests models, string executionProvider)
    {
        var response = new ListModelsResponse();
        foreach (var m in models.All)
        {
            var info = new ModelInfo
            {
                Name = m.Name,
                Version = m.Version,
                DefaultSteps = m.Defaults.Steps,
                DefaultPoints = m.Defaults.Points,
                MaxSteps = m.Limits.MaxSteps,
                MaxPoints = m.Limits.MaxPoints,
                CoarseStride = m.Coarse.Stride,
                IsDefault = m.Name == models.DefaultModel,
                ExecutionProvider = executionProvider,
            };
            info.Classes.Add(m.Classes.Select(c => new ClassInfo { Id = c.Id, Name = c.Name, ColorRgb = c.ColorRgb }));
            response.Models.Add(info);
        }

        return response;
    }
}
