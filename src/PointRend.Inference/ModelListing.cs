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
                DefaultMaxGap = m.Defaults.MaxGapOrInfinity,
                MaxSteps = m.Limits.MaxSteps,
                MaxPoints = m.Limits.MaxPoints,
                CoarseStride = m.Coarse.Stride,
                IsDefault = m.Name == models.DefaultModel,
                ExecutionProvider = executionProvider,
                Task = ModelTask.Semantic,
            };
            info.Classes.Add(m.Classes.Select(c => new ClassInfo { Id = c.Id, Name = c.Name, ColorRgb = c.ColorRgb }));
            response.Models.Add(info);
        }

        foreach (var m in models.Instances)
        {
            var info = new ModelInfo
            {
                Name = m.Name,
                Version = m.Version,
                DefaultSteps = m.Mask.Steps,
                DefaultPoints = m.Mask.Points,
                MaxSteps = Validation.InstanceRules.MaxSteps,
                MaxPoints = Validation.InstanceRules.MaxPoints(m),
                ExecutionProvider = executionProvider,
                Task = ModelTask.Instance,
                MaskResolution = m.Mask.OutputResolution,
            };
            info.Classes.Add(m.Classes.Select(c => new ClassInfo { Id = c.Id, Name = c.Name, ColorRgb = c.ColorRgb }));
            response.Models.Add(info);
        }

        // By name, as the message documents, whatever the task.
        var ordered = response.Models.OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        response.Models.Clear();
        response.Models.Add(ordered);
        return response;
    }
}
