// The project's least-privilege custom role, created from infra/role-definition.json as it is:
// that file is the single source of truth (tests/unit/infra keeps it in step with the SDK calls
// of the gateway), so the template holds no copy of the actions that could drift.

@description('Resource group ids the role may be assigned at (the allowed scopes).')
param assignableResourceGroupIds array

@description('Distinguishes this deployment\'s role: custom role names are unique in a tenant.')
param nameSuffix string

var role = loadJsonContent('../role-definition.json')

resource builderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, resourceGroup().id, role.Name, nameSuffix)
  properties: {
    roleName: '${role.Name} (${nameSuffix})'
    description: role.Description
    type: 'CustomRole'
    permissions: [
      {
        actions: role.Actions
        notActions: role.NotActions
        dataActions: role.DataActions
        notDataActions: role.NotDataActions
      }
    ]
    // The resource group the definition is created in, then every allowed one. The role is
    // assigned only at the allowed ones (resource-group-role-assignment.bicep).
    assignableScopes: union([
      resourceGroup().id
    ], assignableResourceGroupIds)
  }
}

@description('The role definition\'s name (a GUID): the id is formed per subscription where it is assigned.')
output roleGuid string = builderRole.name
