"""Shared test data of the API checks."""

# A collection schema with every field type, its defaults and nullables.
ALL_TYPES_FIELDS = [
    {"fieldName": "id", "dataType": "Int64", "isPrimary": True},
    {"fieldName": "b", "dataType": "Bool", "nullable": True, "defaultValue": True},
    {"fieldName": "i8", "dataType": "Int8", "defaultValue": 3},
    {"fieldName": "i16", "dataType": "Int16"},
    {"fieldName": "i32", "dataType": "Int32"},
    {"fieldName": "i64", "dataType": "Int64", "defaultValue": 7},
    {"fieldName": "f", "dataType": "Float", "defaultValue": 1.5},
    {"fieldName": "d", "dataType": "Double", "nullable": True},
    {"fieldName": "s", "dataType": "VarChar", "elementTypeParams": {"max_length": 64}, "defaultValue": "x"},
    {"fieldName": "j", "dataType": "JSON", "nullable": True},
    {"fieldName": "ai", "dataType": "Array", "elementDataType": "Int64", "elementTypeParams": {"max_capacity": 4}},
    {"fieldName": "av", "dataType": "Array", "elementDataType": "VarChar",
     "elementTypeParams": {"max_capacity": 4, "max_length": 8}},
    {"fieldName": "fv", "dataType": "FloatVector", "elementTypeParams": {"dim": 4}},
    {"fieldName": "bv", "dataType": "BinaryVector", "elementTypeParams": {"dim": 16}},
    {"fieldName": "hv", "dataType": "Float16Vector", "elementTypeParams": {"dim": 4}},
    {"fieldName": "bfv", "dataType": "BFloat16Vector", "elementTypeParams": {"dim": 4}},
    {"fieldName": "sv", "dataType": "SparseFloatVector"},
    {"fieldName": "i8v", "dataType": "Int8Vector", "elementTypeParams": {"dim": 4}},
]
