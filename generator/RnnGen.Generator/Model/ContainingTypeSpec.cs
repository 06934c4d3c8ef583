namespace RnnGen.Generator.Model;

/// <summary>A type that encloses the model class: its declaration keyword ("class", "struct", "record", ...) and its name with type parameters.</summary>
internal sealed record ContainingTypeSpec(string Keyword, string NameWithTypeParameters);
